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
import { createContactsCore } from './contacts.service';
import { createRegistry, type ContactDataOwner, type ContactViewSection } from './data-owners';

export type { ContactView } from './contact-view';
export type { ContactDataOwner, ContactViewSection } from './data-owners';
export type { ResolveContactInput, ContactUpdate } from './contacts.service';
export { CONTACT_TIERS, type ContactTier } from './contact.model';
export { normalizePhone, normalizeEmail, DEFAULT_PHONE_REGION } from './phone';

export interface ContactsModuleDeps {
  connection: Connection;
  logger: Logger;
  clock: Clock;
  audit: AuditService;
  events: EventBus<DomainEvents>;
  /** The agents module's middleware: every contacts route checks authentication and role. */
  auth: { requireAuth: RequestHandler; requireRole: (...roles: Role[]) => RequestHandler };
}

export function createContactsModule(deps: ContactsModuleDeps) {
  const core = createContactsCore(deps);
  const owners = createRegistry<ContactDataOwner>('contact data owner');
  const sections = createRegistry<ContactViewSection>('contact view section');

  const contacts = {
    resolveContact: core.resolveContact,
    getContact: core.getContact,
    findContact: core.findContact,
    findContacts: core.findContacts,
    toView: core.toView,
    searchContacts: core.searchContacts,
    updateContact: core.updateContact,
    addRelationship: core.addRelationship,
    removeRelationship: core.removeRelationship,
    /** Registers a module that keeps data about contacts (merge, export and erasure reach it). */
    registerContactDataOwner: owners.register,
    /** Adds a section to the contact's 360 view (`GET /api/contacts/:id`). */
    registerContactViewSection: sections.register,
  };

  const routers: HttpModule[] = [];
  return { contacts, routers };
}

export type ContactsModule = ReturnType<typeof createContactsModule>;
export type ContactsService = ContactsModule['contacts'];
