/**
 * The contacts module's public surface: one customer across every channel (resolution from channel
 * identities, search, 360 view), organizations and relationships, and the multi-step operations on a
 * contact (merge, export, erasure) that reach every module registered as a data owner.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { AuditService, Role } from '../agents';
import { createChannelFacts } from './contact-channel-facts';
import { createContactsInternals } from './contacts-module';
import { createContactTierWriter } from './contact-tiers';
import { createContactsRouter, createOrganizationsRouter } from './contacts.routes';

export type { ContactView } from './contact-view';
export type { ContactDataOwner, ContactViewSection } from './data-owners';
export type { ResolveContactInput, ResolvedSender, ContactUpdate } from './contacts.service';
export type { ContactDetail } from './contacts-module';
export type { ContactExport } from './contact-privacy';
export type { ComputedTier } from './contact-tiers';
export type { MergeResult } from './contact-merge';
export type { OrganizationView } from './organizations.service';
export type { Network, NetworkNode, NetworkEdge } from './contact-network';
export { CONTACT_TIERS, type ContactTier } from './contact.model';
export { normalizePhone, normalizeEmail, DEFAULT_PHONE_REGION } from './phone';
/** The contact fields' validation (imports validate their rows with the same rules as the API). */
export { UpdateContactSchema } from './contacts.schemas';

export interface ContactsModuleDeps {
  connection: Connection;
  logger: Logger;
  clock: Clock;
  audit: AuditService;
  events: EventBus<DomainEvents>;
  /** The agents module's middleware: every contacts route checks authentication and role. */
  auth: { requireAuth: RequestHandler; requireRole: (...roles: Role[]) => RequestHandler };
}

/**
 * Builds the contacts module. `contacts` is the service other modules use (ingest calls `resolveContact`;
 * conversations registers a data owner and a 360-view section); `routers` serve `/api/contacts` and
 * `/api/organizations`.
 */
export function createContactsModule(deps: ContactsModuleDeps) {
  const internals = createContactsInternals(deps);
  const { contacts: core, owners, sections, merge, privacy } = internals;
  const channelFacts = createChannelFacts({
    connection: deps.connection,
    core,
    clock: deps.clock,
    logger: deps.logger,
  });

  const contacts = {
    /** Resolution by channel identity (and linked identities such as a WeChat UnionID), email, phone. */
    resolveContact: channelFacts.resolveContact,
    /** The same resolution with the resolved record's name and tier (ingest's snapshot, no second read). */
    resolveSender: channelFacts.resolveSender,
    /** Merges a channel's facts (a WeChat QR scene) into the contact's attributes; agents' edits win. */
    applyChannelAttributes: channelFacts.applyChannelAttributes,
    previewResolveContact: core.previewResolveContact,
    getContact: core.getContact,
    findContact: core.findContact,
    findContacts: core.findContacts,
    toView: core.toView,
    searchContacts: core.searchContacts,
    updateContact: core.updateContact,
    /** Computed tiers and RFM segments onto contacts, in bulk (a VIP tier stays). */
    applyComputedTiers: createContactTierWriter({ Contact: core.Contact, clock: deps.clock }),
    findContactsByDate: core.findContactsByDate,
    listContactsByTier: core.listContactsByTier,
    addRelationship: core.addRelationship,
    removeRelationship: core.removeRelationship,
    getContactDetail: internals.getContactDetail,
    /** Merges `sourceId` into `targetId`; idempotent, resumable, audited; emits `contact.merged`. */
    merge: (sourceId: string, targetId: string, actorId: string | null) =>
      merge.merge(sourceId, targetId, actorId),
    resumePendingMerges: merge.resumePendingMerges,
    export: privacy.exportContact,
    erase: privacy.eraseContact,
    /** Registers a module that keeps data about contacts (merge, export and erasure reach it). */
    registerContactDataOwner: owners.register,
    /** Adds a section to the contact's 360 view (`GET /api/contacts/:id`). */
    registerContactViewSection: sections.register,
  };

  const routeDeps = { internals, requireAuth: deps.auth.requireAuth, requireRole: deps.auth.requireRole };
  const routers: HttpModule[] = [
    { path: '/api/contacts', router: createContactsRouter(routeDeps) },
    { path: '/api/organizations', router: createOrganizationsRouter(routeDeps) },
  ];
  return { contacts, organizations: internals.organizations, routers };
}

export type ContactsModule = ReturnType<typeof createContactsModule>;
export type ContactsService = ContactsModule['contacts'];
