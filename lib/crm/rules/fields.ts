/** The fields a rule can read. Kept apart from schema.ts so the content script gets the list without zod. */
export const RULE_FIELDS = [
  'recordId',
  'shownRecordId',
  'tenant',
  'firstName',
  'lastName',
  'fullName',
  'phones',
  'email',
  'ownerName',
  'ownerEmail',
  'ownerId',
  'status',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** At most this many extraFields per rule (LeadSchema.extra's limit, lib/messages.ts). */
export const MAX_EXTRA_FIELDS = 10;
