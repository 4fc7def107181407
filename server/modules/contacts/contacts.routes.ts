import { Router, type RequestHandler } from 'express';
import { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import { parseInput } from '../../lib/validate';
import { getPrincipal, type Role } from '../agents';
import type { Network, NodeType } from './contact-network';
import {
  ContactRelationshipSchema,
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

  router.get('/', async (req, res) => {
    res.json(await contacts.searchContacts(parseInput(SearchContactsQuery, req.query, 'query')));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    res.json(await deps.internals.getContactDetail(id, getPrincipal(req)));
  });

  router.patch('/:id', async (req, res) => {
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
  });

  router.post('/:id/relationships', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    res.json(
      await contacts.addRelationship(id, parseInput(ContactRelationshipSchema, req.body, 'relationship')),
    );
  });

  router.delete('/:id/relationships', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    res.json(
      await contacts.removeRelationship(
        id,
        parseInput(RemoveContactRelationshipQuery, req.query, 'relationship'),
      ),
    );
  });

  router.get('/:id/network', networkRoute(deps, 'contact'));

  router.post('/:id/merge', deps.requireRole('supervisor', 'admin'), async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    const { targetContactId } = parseInput(MergeSchema, req.body, 'merge');
    res.json(await deps.internals.merge.merge(id, targetContactId, getPrincipal(req).agentId));
  });

  router.get('/:id/export', deps.requireRole('supervisor', 'admin'), async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    const data = await deps.internals.privacy.exportContact(id, getPrincipal(req).agentId);
    res.setHeader('content-disposition', `attachment; filename="contact-${id}.json"`);
    res.json(data);
  });

  router.post('/:id/erase', deps.requireRole('admin'), async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'contact id');
    res.json(await deps.internals.privacy.eraseContact(id, getPrincipal(req).agentId));
  });

  return router;
}

/** `/api/organizations`: everyone reads, creates and edits; supervisors and admins delete. */
export function createOrganizationsRouter(deps: RouteDeps): Router {
  const { organizations } = deps.internals;
  const router = Router();
  router.use(deps.requireAuth);

  router.get('/', async (req, res) => {
    res.json(await organizations.listOrganizations(parseInput(ListOrganizationsQuery, req.query, 'query')));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'organization id');
    res.json(await organizations.getOrganization(id));
  });

  router.post('/', async (req, res) => {
    const input = parseInput(OrganizationSchema, req.body, 'organization');
    res.status(201).json(await organizations.createOrganization(input, getPrincipal(req).agentId));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'organization id');
    const input = parseInput(UpdateOrganizationSchema, req.body, 'organization');
    res.json(await organizations.updateOrganization(id, input, getPrincipal(req).agentId));
  });

  router.delete('/:id', deps.requireRole('supervisor', 'admin'), async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'organization id');
    await organizations.deleteOrganization(id, getPrincipal(req).agentId);
    res.status(204).end();
  });

  router.post('/:id/relationships', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'organization id');
    res.json(
      await organizations.addRelationship(
        id,
        parseInput(OrganizationRelationshipSchema, req.body, 'relationship'),
      ),
    );
  });

  router.delete('/:id/relationships', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'organization id');
    const relation = parseInput(RemoveOrganizationRelationshipQuery, req.query, 'relationship');
    res.json(await organizations.removeRelationship(id, relation));
  });

  router.get('/:id/network', networkRoute(deps, 'organization'));
  return router;
}
