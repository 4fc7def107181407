/**
 * Modules that keep data about a contact (conversations and messages, CSAT answers, …) register an owner,
 * so that merge, export and erasure reach everything without the contacts module knowing their models.
 * Every method must be idempotent: a merge or erasure interrupted half-way is finished by running it again,
 * which calls each owner again.
 */
export interface ContactDataOwner {
  /** Stable and unique: progress is recorded per owner name. */
  name: string;
  /** Re-points every reference from `fromContactId` to `toContactId`. */
  moveContact(fromContactId: string, toContactId: string): Promise<void>;
  /** JSON-serialisable data about the contact, for a subject-access export. */
  exportContact(contactId: string): Promise<unknown>;
  /** Removes or anonymises personal data about the contact (keeping what the business must keep). */
  eraseContact(contactId: string): Promise<void>;
}

/** A section another module adds to the contact's 360 view (`GET /api/contacts/:id`), e.g. its conversations. */
export interface ContactViewSection {
  name: string;
  load(contactId: string, viewer: { agentId: string; role: string; teamIds: string[] }): Promise<unknown>;
}

export function createRegistry<T extends { name: string }>(what: string) {
  const items = new Map<string, T>();
  return {
    register: (item: T): (() => void) => {
      if (items.has(item.name)) throw new Error(`${what} "${item.name}" is already registered`);
      items.set(item.name, item);
      return () => items.delete(item.name);
    },
    list: (): T[] => {
      return [...items.values()];
    },
  };
}
