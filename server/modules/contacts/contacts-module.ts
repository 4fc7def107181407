import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { AuditService, Principal } from '../agents';
import { createContactMerge } from './contact-merge';
import { createContactNetwork } from './contact-network';
import { createContactPrivacy } from './contact-privacy';
import type { ContactView } from './contact-view';
import { createContactsCore } from './contacts.service';
import { createRegistry, type ContactDataOwner, type ContactViewSection } from './data-owners';
import { createOrganizationsService, type OrganizationView } from './organizations.service';

export interface ContactDetail {
  contact: ContactView;
  organization: OrganizationView | null;
  /** Sections other modules add (e.g. `conversations`), by name. */
  sections: Record<string, unknown>;
}

/** Builds every part of the contacts module; `index.ts` picks the public surface from it. */
export function createContactsInternals(deps: {
  connection: Connection;
  logger: Logger;
  clock: Clock;
  audit: AuditService;
  events: EventBus<DomainEvents>;
}) {
  const { connection, logger, clock, audit, events } = deps;
  const contacts = createContactsCore({ connection, clock, logger, events });
  const organizations = createOrganizationsService({ connection, clock, audit });
  const owners = createRegistry<ContactDataOwner>('contact data owner');
  const sections = createRegistry<ContactViewSection>('contact view section');
  const merge = createContactMerge({
    connection,
    core: contacts,
    owners: owners.list,
    clock,
    logger,
    audit,
    events,
  });
  const privacy = createContactPrivacy({
    core: contacts,
    organizations,
    merge,
    owners: owners.list,
    clock,
    audit,
  });
  const readNetwork = createContactNetwork({ connection });

  /** The 360 view: the contact, its organization, and every registered section. */
  async function getContactDetail(id: string, viewer: Principal): Promise<ContactDetail> {
    const contact = await contacts.getContact(id);
    const organization = contact.organizationId
      ? await organizations.findOrganization(contact.organizationId)
      : null;
    const loaded = await Promise.all(
      sections.list().map(async (section) => [section.name, await section.load(contact.id, viewer)] as const),
    );
    return { contact, organization, sections: Object.fromEntries(loaded) };
  }

  return { contacts, organizations, owners, sections, merge, privacy, readNetwork, getContactDetail, audit };
}

export type ContactsModuleInternals = ReturnType<typeof createContactsInternals>;
