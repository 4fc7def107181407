import { Router, type RequestHandler } from 'express';
import { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal, type Role } from '../agents';
import type { Network, NodeType } from './contact-network';
import {
  ContactDetailSchema,
  ContactExportSchema,
  ContactPageSchema,
  ContactRelationshipSchema,
  ContactSchema,
  EraseResultSchema,
  MergeResultSchema,
  NetworkSchema,
  OrganizationPageSchema,
  OrganizationViewSchema,
  IdParams,
  ListOrganizationsQuery,
  MergeSchema,
  NetworkQuery,
  OrganizationRelationshipSchema,
  OrganizationSchema,
  RemoveContactRelationshipQuery,
  RemoveOrganizationRelationshipQuery,
  SearchContactsQuery,
  UpdateContactSchema,
  UpdateOrganizationSchema,
} from './contacts.schemas';
import type { ContactsModuleInternals } from './contacts-module';

interface RouteDeps {
  internals: ContactsModuleInternals;
  requireAuth: RequestHandler;
  requireRole: (...roles: Role[]) => RequestHandler;
}

async function networkOrNotFound(read: Promise<Network | null>, what: string): Promise<Network> {
  const network = await read;
  if (!network) throw new AppError('NOT_FOUND', { userMessage: `No such ${what}.` });
  return network;
}

function networkRoute(deps: RouteDeps, type: NodeType): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { depth, limit } = parseInput(NetworkQuery, req.query, 'query');
    const read = deps.internals.readNetwork({ type, id: new Types.ObjectId(id) }, { depth, maxNodes: limit });
    res.json(await networkOrNotFound(read, type));
  };
}

/**
 * `/api/contacts`: every role reads, searches and edits contacts (agents need them to work conversations);
 * supervisors and admins merge and export; only admins erase.
 */
export function createContactsRouter(deps: RouteDeps): Router {
  const { contacts } = deps.internals;
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Contacts'] });
  const byId = { params: IdParams };

  api.get(
    '/',
    {
      summary: 'Search contacts by name, email or phone, newest first',
      query: SearchContactsQuery,
      responses: { 200: ContactPageSchema },
    },
    async (req, res) => {
      res.json(await contacts.searchContacts(parseInput(SearchContactsQuery, req.query, 'query')));
    },
  );

  api.get(
    '/:id',
    { summary: 'The contact 360 view', ...byId, responses: { 200: ContactDetailSchema } },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      res.json(await deps.internals.getContactDetail(id, getPrincipal(req)));
    },
  );

  api.patch(
    '/:id',
    { summary: 'Edit a contact', ...byId, body: UpdateContactSchema, responses: { 200: ContactSchema } },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      const update = parseInput(UpdateContactSchema, req.body, 'contact');
      const contact = await contacts.updateContact(id, update);
      await deps.internals.audit.record({
        actorId: getPrincipal(req).agentId,
        action: 'contact.updated',
        subjectType: 'contact',
        subjectId: id,
        details: { fields: Object.keys(update) },
      });
      res.json(contact);
    },
  );

  api.post(
    '/:id/relationships',
    {
      summary: 'Relate the contact to another contact or an organization',
      ...byId,
      body: ContactRelationshipSchema,
      responses: { 200: ContactSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      res.json(
        await contacts.addRelationship(id, parseInput(ContactRelationshipSchema, req.body, 'relationship')),
      );
    },
  );

  api.delete(
    '/:id/relationships',
    {
      summary: 'Remove relationships of the contact',
      ...byId,
      query: RemoveContactRelationshipQuery,
      responses: { 200: ContactSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      res.json(
        await contacts.removeRelationship(
          id,
          parseInput(RemoveContactRelationshipQuery, req.query, 'relationship'),
        ),
      );
    },
  );

  api.get(
    '/:id/network',
    {
      summary: "The contact's network of related contacts and organizations",
      ...byId,
      query: NetworkQuery,
      responses: { 200: NetworkSchema },
    },
    networkRoute(deps, 'contact'),
  );

  api.post(
    '/:id/merge',
    {
      summary: 'Merge this contact into another (conversations and identities move)',
      roles: ['supervisor', 'admin'],
      ...byId,
      body: MergeSchema,
      responses: { 200: MergeResultSchema },
    },
    deps.requireRole('supervisor', 'admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      const { targetContactId } = parseInput(MergeSchema, req.body, 'merge');
      res.json(await deps.internals.merge.merge(id, targetContactId, getPrincipal(req).agentId));
    },
  );

  api.get(
    '/:id/export',
    {
      summary: 'Subject-access export of everything held about the contact',
      roles: ['supervisor', 'admin'],
      ...byId,
      responses: { 200: ContactExportSchema },
    },
    deps.requireRole('supervisor', 'admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      const data = await deps.internals.privacy.exportContact(id, getPrincipal(req).agentId);
      res.setHeader('content-disposition', `attachment; filename="contact-${id}.json"`);
      res.json(data);
    },
  );

  api.post(
    '/:id/erase',
    {
      summary: 'Erase the contact (right to be forgotten)',
      roles: ['admin'],
      ...byId,
      responses: { 200: EraseResultSchema },
    },
    deps.requireRole('admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'contact id');
      res.json(await deps.internals.privacy.eraseContact(id, getPrincipal(req).agentId));
    },
  );

  return router;
}

/** `/api/organizations`: everyone reads, creates and edits; supervisors and admins delete. */
export function createOrganizationsRouter(deps: RouteDeps): Router {
  const { organizations } = deps.internals;
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Organizations'] });
  const byId = { params: IdParams };

  api.get(
    '/',
    {
      summary: 'List organizations',
      query: ListOrganizationsQuery,
      responses: { 200: OrganizationPageSchema },
    },
    async (req, res) => {
      res.json(await organizations.listOrganizations(parseInput(ListOrganizationsQuery, req.query, 'query')));
    },
  );

  api.get(
    '/:id',
    { summary: 'One organization', ...byId, responses: { 200: OrganizationViewSchema } },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'organization id');
      res.json(await organizations.getOrganization(id));
    },
  );

  api.post(
    '/',
    {
      summary: 'Create an organization',
      body: OrganizationSchema,
      responses: { 201: OrganizationViewSchema },
    },
    async (req, res) => {
      const input = parseInput(OrganizationSchema, req.body, 'organization');
      res.status(201).json(await organizations.createOrganization(input, getPrincipal(req).agentId));
    },
  );

  api.patch(
    '/:id',
    {
      summary: 'Edit an organization',
      ...byId,
      body: UpdateOrganizationSchema,
      responses: { 200: OrganizationViewSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'organization id');
      const input = parseInput(UpdateOrganizationSchema, req.body, 'organization');
      res.json(await organizations.updateOrganization(id, input, getPrincipal(req).agentId));
    },
  );

  api.delete(
    '/:id',
    { summary: 'Delete an organization', roles: ['supervisor', 'admin'], ...byId, responses: { 204: null } },
    deps.requireRole('supervisor', 'admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'organization id');
      await organizations.deleteOrganization(id, getPrincipal(req).agentId);
      res.status(204).end();
    },
  );

  api.post(
    '/:id/relationships',
    {
      summary: 'Relate the organization to another',
      ...byId,
      body: OrganizationRelationshipSchema,
      responses: { 200: OrganizationViewSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'organization id');
      res.json(
        await organizations.addRelationship(
          id,
          parseInput(OrganizationRelationshipSchema, req.body, 'relationship'),
        ),
      );
    },
  );

  api.delete(
    '/:id/relationships',
    {
      summary: 'Remove relationships of the organization',
      ...byId,
      query: RemoveOrganizationRelationshipQuery,
      responses: { 200: OrganizationViewSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'organization id');
      const relation = parseInput(RemoveOrganizationRelationshipQuery, req.query, 'relationship');
      res.json(await organizations.removeRelationship(id, relation));
    },
  );

  api.get(
    '/:id/network',
    {
      summary: "The organization's network",
      ...byId,
      query: NetworkQuery,
      responses: { 200: NetworkSchema },
    },
    networkRoute(deps, 'organization'),
  );
  return router;
}
