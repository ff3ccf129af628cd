import { z } from 'zod';
import { errorDto, type Reply } from './http';

/**
 * Injected failures. A queued fault is consumed by the next request(s) to its endpoint, which lets a test
 * script exact sequences such as "the first assign times out, the retry succeeds". The provider API and the CRM
 * API (crm-api.ts) each have their own queue, with their own endpoint names and their own default error body.
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

/** The fault schema for a set of endpoint names (plus '*', any endpoint). */
export function faultSchemaFor<const E extends readonly [string, ...string[]]>(endpoints: E) {
  return z
    .strictObject({
      endpoint: z.enum([...endpoints, '*'] as [E[number] | '*', ...(E[number] | '*')[]]),
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
}

export const FaultSchema = faultSchemaFor(ENDPOINTS);

export type FaultInput = z.input<typeof FaultSchema>;
/** A queued fault; `E` is the endpoint names of its API. */
export type Fault<E extends string = Endpoint> = Omit<z.output<typeof FaultSchema>, 'endpoint'> & { endpoint: E | '*'; id: string };

/** What a consumed fault does to one request. */
export interface FaultUse<E extends string = Endpoint> {
  fault: Fault<E>;
  /** undefined: the request is handled normally (a delay- or headers-only fault). */
  replacement?: Reply;
  drop: boolean;
}

/** The body of a fault that sets a status but neither `body` nor `bodyText`, for the endpoint it hit. */
export type DefaultFaultBody<E extends string> = (status: number, fault: Fault<E>, endpoint: E) => unknown;

const providerDefaultBody: DefaultFaultBody<string> = (status, fault) => errorDto(status, `Injected fault ${fault.id}`);

export class FaultQueue<E extends string = Endpoint> {
  private faults: Fault<E>[] = [];
  private nextId = 1;

  /** `idPrefix` tells the queues' faults apart in the request logs ('f1' provider, 'cf1' CRM API). */
  constructor(
    private readonly defaultBody: DefaultFaultBody<E> = providerDefaultBody,
    private readonly idPrefix = 'f',
  ) {}

  add(input: Omit<Fault<E>, 'id'>): Fault<E> {
    const fault: Fault<E> = { ...input, id: `${this.idPrefix}${this.nextId++}` };
    this.faults.push(fault);
    return fault;
  }

  /** First queued fault for this endpoint (or '*'), in the order they were added. */
  take(endpoint: E): FaultUse<E> | undefined {
    const index = this.faults.findIndex((fault) => fault.endpoint === endpoint || fault.endpoint === '*');
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return { fault, replacement: this.replacementFor(fault, endpoint), drop: fault.drop === true };
  }

  list(): Fault<E>[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }

  private replacementFor(fault: Fault<E>, endpoint: E): Reply | undefined {
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
    const json = fault.body !== undefined ? fault.body : this.defaultBody(status, fault, endpoint);
    return { status, json, headers };
  }
}
