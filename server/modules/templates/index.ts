export {
  loadTemplates,
  normalizeLocale,
  LOCALES,
  TEMPLATE_CHANNELS,
  type Locale,
  type TemplateChannel,
  type TemplateRenderer,
  type RenderRequest,
  type RenderedTemplate,
} from './template-renderer';
