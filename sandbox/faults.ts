import { z } from 'zod';
import { errorDto, type Reply } from './http';

/**
 * Injected failures. A queued fault is consumed by the next request(s) to its endpoint, which lets a test
 * script exact sequences such as "the first assign times out, the retry succeeds".
 */

export const ENDPOINTS = [
  'createUser',
  'magicLink',
  'createContact',
  'updateContact',
  'updateStage',
  'assign',
  'getUserByEmail',
  'getContactByCrmId',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export const FaultSchema = z
  .strictObject({
    endpoint: z.enum([...ENDPOINTS, '*']),
    times: z.int().min(1).default(1),
    status: z.int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    bodyText: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    drop: z.boolean().optional(),
    delayMs: z.int().min(0).max(600_000).optional(),
    afterHandling: z.boolean().optional(),
  })
  .refine((fault) => fault.body === undefined || fault.bodyText === undefined, {
    message: 'body and bodyText are mutually exclusive',
    path: ['bodyText'],
  });

export type FaultInput = z.input<typeof FaultSchema>;
export type Fault = z.output<typeof FaultSchema> & { id: string };

/** What a consumed fault does to one request. */
export interface FaultUse {
  fault: Fault;
  /** undefined: the request is handled normally (a delay- or headers-only fault). */
  replacement?: Reply;
  drop: boolean;
}

export class FaultQueue {
  private faults: Fault[] = [];
  private nextId = 1;

  add(input: z.output<typeof FaultSchema>): Fault {
    const fault: Fault = { ...input, id: `f${this.nextId++}` };
    this.faults.push(fault);
    return fault;
  }

  /** First queued fault for this endpoint (or '*'), in the order they were added. */
  take(endpoint: Endpoint): FaultUse | undefined {
    const index = this.faults.findIndex((fault) => fault.endpoint === endpoint || fault.endpoint === '*');
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return { fault, replacement: replacementFor(fault), drop: fault.drop === true };
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }
}

function replacementFor(fault: Fault): Reply | undefined {
  const replaces = fault.status !== undefined || fault.body !== undefined || fault.bodyText !== undefined;
  if (!replaces) return undefined;
  const status = fault.status ?? 500;
  const headers = { ...fault.headers };
  if (fault.bodyText !== undefined) {
    // A raw body is usually "broken JSON", so label it JSON unless the test says otherwise.
    const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasType) headers['content-type'] = 'application/json';
    return { status, text: fault.bodyText, headers };
  }
  const json = fault.body !== undefined ? fault.body : errorDto(status, `Injected fault ${fault.id}`);
  return { status, json, headers };
}
