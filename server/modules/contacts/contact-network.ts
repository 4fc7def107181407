import { trusted, type Types, type Connection } from 'mongoose';
import { contactModel, type ContactRecord } from './contact.model';
import { organizationModel, type OrganizationRecord } from './organization.model';

export type NodeType = 'contact' | 'organization';

export interface NetworkNode {
  type: NodeType;
  id: string;
  name: string;
  /** Hops from the starting node. */
  depth: number;
  tier?: string | null;
}

export interface NetworkEdge {
  from: { type: NodeType; id: string };
  to: { type: NodeType; id: string };
  /** `member` (contact → its organization), `parent` (organization → parent), or the relationship's kind. */
  kind: string;
}

export interface Network {
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  /** True when the node bound cut the graph short. */
  truncated: boolean;
}

export const NETWORK_MAX_DEPTH = 4;
export const NETWORK_MAX_NODES = 500;

type ContactDoc = Pick<ContactRecord, '_id' | 'name' | 'tier' | 'organizationId' | 'relationships'>;
type OrgDoc = Pick<OrganizationRecord, '_id' | 'name' | 'parentId' | 'relationships'>;
const CONTACT_FIELDS = { name: 1, tier: 1, organizationId: 1, relationships: 1 };
const ORG_FIELDS = { name: 1, parentId: 1, relationships: 1 };

/**
 * The connected graph around a contact or organization (contacts ↔ organizations ↔ organizations), read
 * by a breadth-first search bounded by depth and node count. Iterative BFS with `$in` queries rather than
 * `$graphLookup`: edges run both ways across two collections and several fields, which one `$graphLookup`
 * cannot follow, and each level is a few indexed queries.
 */
export function createContactNetwork(deps: { connection: Connection }) {
  const Contact = contactModel(deps.connection);
  const Organization = organizationModel(deps.connection);

  return async function readNetwork(
    start: { type: NodeType; id: Types.ObjectId },
    options: { depth: number; maxNodes: number },
  ): Promise<Network | null> {
    const nodes = new Map<string, NetworkNode>();
    const edges = new Map<string, NetworkEdge>();
    let truncated = false;
    const key = (type: NodeType, id: Types.ObjectId | string) => `${type}:${String(id)}`;
    const addEdge = (
      fromType: NodeType,
      from: Types.ObjectId,
      toType: NodeType,
      to: Types.ObjectId,
      kind: string,
    ) => {
      const edge = { from: { type: fromType, id: String(from) }, to: { type: toType, id: String(to) }, kind };
      edges.set(`${key(fromType, from)}>${key(toType, to)}:${kind}`, edge);
    };
    const addNode = (type: NodeType, doc: ContactDoc | OrgDoc, depth: number): boolean => {
      if (nodes.has(key(type, doc._id))) return false;
      if (nodes.size >= options.maxNodes) {
        truncated = true;
        return false;
      }
      nodes.set(key(type, doc._id), {
        type,
        id: String(doc._id),
        name: doc.name,
        depth,
        ...(type === 'contact' ? { tier: (doc as ContactDoc).tier ?? null } : {}),
      });
      return true;
    };

    let frontierContacts: ContactDoc[] = [];
    let frontierOrgs: OrgDoc[] = [];
    if (start.type === 'contact') {
      const doc = await Contact.findOne({ _id: start.id }).select(CONTACT_FIELDS).lean<ContactDoc>();
      if (!doc) return null;
      addNode('contact', doc, 0);
      frontierContacts = [doc];
    } else {
      const doc = await Organization.findOne({ _id: start.id }).select(ORG_FIELDS).lean<OrgDoc>();
      if (!doc) return null;
      addNode('organization', doc, 0);
      frontierOrgs = [doc];
    }

    for (let depth = 1; depth <= options.depth && (frontierContacts.length || frontierOrgs.length); depth++) {
      const wantContacts = new Map<string, Types.ObjectId>();
      const wantOrgs = new Map<string, Types.ObjectId>();
      const contactIds = frontierContacts.map((c) => c._id);
      const orgIds = frontierOrgs.map((o) => o._id);
      const inContacts = new Set(contactIds.map(String));
      const inOrgs = new Set(orgIds.map(String));

      // Forward: what the frontier points at.
      for (const contact of frontierContacts) {
        if (contact.organizationId) {
          addEdge('contact', contact._id, 'organization', contact.organizationId, 'member');
          wantOrgs.set(String(contact.organizationId), contact.organizationId);
        }
        for (const relation of contact.relationships ?? []) {
          if (relation.contactId) {
            addEdge('contact', contact._id, 'contact', relation.contactId, relation.kind);
            wantContacts.set(String(relation.contactId), relation.contactId);
          }
          if (relation.organizationId) {
            addEdge('contact', contact._id, 'organization', relation.organizationId, relation.kind);
            wantOrgs.set(String(relation.organizationId), relation.organizationId);
          }
        }
      }
      for (const org of frontierOrgs) {
        if (org.parentId) {
          addEdge('organization', org._id, 'organization', org.parentId, 'parent');
          wantOrgs.set(String(org.parentId), org.parentId);
        }
        for (const relation of org.relationships ?? []) {
          addEdge('organization', org._id, 'organization', relation.organizationId, relation.kind);
          wantOrgs.set(String(relation.organizationId), relation.organizationId);
        }
      }

      // Backward: what points at the frontier (bounded by the node budget).
      const budget = options.maxNodes - nodes.size + 1;
      const contactLinks = [
        ...(orgIds.length ? [{ organizationId: trusted({ $in: orgIds }) }] : []),
        ...(orgIds.length ? [{ 'relationships.organizationId': trusted({ $in: orgIds }) }] : []),
        ...(contactIds.length ? [{ 'relationships.contactId': trusted({ $in: contactIds }) }] : []),
      ];
      const pointingContacts = contactLinks.length
        ? await Contact.find({ mergedInto: null, $or: contactLinks })
            .select(CONTACT_FIELDS)
            .limit(budget)
            .lean<ContactDoc[]>()
        : [];
      for (const contact of pointingContacts) {
        if (contact.organizationId && inOrgs.has(String(contact.organizationId)))
          addEdge('contact', contact._id, 'organization', contact.organizationId, 'member');
        for (const relation of contact.relationships ?? []) {
          if (relation.contactId && inContacts.has(String(relation.contactId)))
            addEdge('contact', contact._id, 'contact', relation.contactId, relation.kind);
          if (relation.organizationId && inOrgs.has(String(relation.organizationId)))
            addEdge('contact', contact._id, 'organization', relation.organizationId, relation.kind);
        }
        wantContacts.set(String(contact._id), contact._id);
      }
      const pointingOrgs = orgIds.length
        ? await Organization.find({
            $or: [
              { parentId: trusted({ $in: orgIds }) },
              { 'relationships.organizationId': trusted({ $in: orgIds }) },
            ],
          })
            .select(ORG_FIELDS)
            .limit(budget)
            .lean<OrgDoc[]>()
        : [];
      for (const org of pointingOrgs) {
        if (org.parentId && inOrgs.has(String(org.parentId)))
          addEdge('organization', org._id, 'organization', org.parentId, 'parent');
        for (const relation of org.relationships ?? [])
          if (inOrgs.has(String(relation.organizationId)))
            addEdge('organization', org._id, 'organization', relation.organizationId, relation.kind);
        wantOrgs.set(String(org._id), org._id);
      }

      // Load the new nodes: they are the next frontier.
      const newContactIds = [...wantContacts]
        .filter(([id]) => !nodes.has(key('contact', id)))
        .map(([, id]) => id);
      const newOrgIds = [...wantOrgs]
        .filter(([id]) => !nodes.has(key('organization', id)))
        .map(([, id]) => id);
      const contactDocs = newContactIds.length
        ? await Contact.find({ _id: trusted({ $in: newContactIds }) })
            .select(CONTACT_FIELDS)
            .lean<ContactDoc[]>()
        : [];
      const orgDocs = newOrgIds.length
        ? await Organization.find({ _id: trusted({ $in: newOrgIds }) })
            .select(ORG_FIELDS)
            .lean<OrgDoc[]>()
        : [];
      frontierContacts = contactDocs.filter((doc) => addNode('contact', doc, depth));
      frontierOrgs = orgDocs.filter((doc) => addNode('organization', doc, depth));
    }

    // Edges whose far end lies beyond the bound are left out: every edge joins two listed nodes.
    const listed = [...edges.values()].filter(
      (edge) => nodes.has(key(edge.from.type, edge.from.id)) && nodes.has(key(edge.to.type, edge.to.id)),
    );
    return { nodes: [...nodes.values()], edges: listed, truncated };
  };
}
