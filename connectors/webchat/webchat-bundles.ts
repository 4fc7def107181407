/**
 * The widget's browser bundles, built from `widget/*.ts` with esbuild when the hub first needs them (a clean
 * clone needs no build step): the loader that a site's one `<script>` tag fetches, and the chat UI the
 * loader's iframe loads only when the visitor opens the chat. Built once per process and kept in memory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const widgetDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'widget');

export interface WidgetBundles {
  loader: string;
  chat: string;
  css: string;
}

/** Gzipped sizes in bytes (the budget: loader ≤ 30 KB gzipped). */
export function gzippedSize(text: string): number {
  return gzipSync(Buffer.from(text), { level: 9 }).length;
}

export const LOADER_BUDGET_BYTES = 30 * 1024;

async function bundle(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(widgetDir, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}

export async function buildWidgetBundles(): Promise<WidgetBundles> {
  const [loader, chat, css] = await Promise.all([
    bundle('loader.ts'),
    bundle('chat.ts'),
    readFile(path.join(widgetDir, 'chat.css'), 'utf8'),
  ]);
  return { loader, chat, css };
}

/** Builds once, on first use; a failed build is retried on the next request. */
export function createBundleCache(build: () => Promise<WidgetBundles> = buildWidgetBundles) {
  let pending: Promise<WidgetBundles> | null = null;
  return {
    get(): Promise<WidgetBundles> {
      pending ??= build().catch((error: unknown) => {
        pending = null;
        throw error;
      });
      return pending;
    },
  };
}
