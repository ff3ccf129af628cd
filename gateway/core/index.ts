/** The team gateway's business core: what the HTTP routes and the CLI call. No HTTP in here. */
export { chatroomCard } from './card';
export { chat } from './chat';
export { crmActionsOfEvent, crmActionsService, type CrmActionsService, type CrmActionsTiming } from './crm-actions';
export { login } from './login';
export { type JournalResumeReport, resumeJournal } from './journal';
export { findMemberByEmail, listUsers, removeUser, teamRules, type UpsertReport, type UserInput, UserInputError, upsertUsers, whoIs } from './team';
export { runUsersCommand } from './users-cli';
export type * from './types';
