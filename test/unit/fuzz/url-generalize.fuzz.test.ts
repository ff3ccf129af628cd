import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idKind } from '../../../lib/crm/builder/id-like';
import { proposeUrlPattern } from '../../../lib/crm/builder/url-generalize';
import { compileUrlPattern } from '../../../lib/crm/rules/url-pattern';
import { hostPermissionFor } from '../../../lib/crm/rules/url-pattern-hosts';

/**
 * Property tests for the rule builder's URL generalisation (lib/crm/builder/url-generalize.ts). Its contract:
 * from a record page's address with an id somewhere (a path segment, an `id=` parameter, a hash route, a
 * percent-encoded address in the hash) among words and other ids, the proposed pattern matches that address
 * and reads exactly that id; it matches the same address with another id of the same kind (and other ids
 * around it changed); it does not match the address with the id left out (the list page); and the extension
 * can name the site it needs access to.
 */

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** Route words: never an id (no digits), mixed case (paths and hashes match case-insensitively). */
const word = fc.stringMatching(/^[A-Za-z][A-Za-z_-]{0,11}$/);
const words = (max: number) => fc.array(word, { maxLength: max });

type Kind = 'digits' | 'uuid' | 'hex24';
const ids: Record<Kind, fc.Arbitrary<string>> = {
  digits: fc.stringMatching(/^[1-9]\d{1,11}$/),
  uuid: fc.tuple(fc.uuid(), fc.boolean()).map(([uuid, upper]) => (upper ? uuid.toUpperCase() : uuid)),
  // At least one letter: 24 digits are a numeric id.
  hex24: fc.stringMatching(/^[0-9a-f]{24}$/).filter((hex) => /[a-f]/.test(hex)),
};

/** Two different ids of one kind: the page's and a sibling record's. */
const idPair = fc.constantFrom<Kind>('digits', 'uuid', 'hex24').chain((kind) =>
  fc.tuple(ids[kind], ids[kind]).filter(([a, b]) => a.toLowerCase() !== b.toLowerCase()),
);

/** Ids of something else in the path (an org, a portal): become `*`. */
const noiseIds = fc.array(fc.stringMatching(/^[1-9]\d{1,6}$/), { maxLength: 2 });

const layout = fc.record({
  scheme: fc.constantFrom('http', 'https'),
  host: fc.domain(),
  port: fc.constantFrom('', ':4010', ':8443'),
  where: fc.constantFrom('path', 'query', 'hash', 'encoded-hash'),
  before: words(3),
  after: words(2),
  noiseAt: fc.nat(3),
  selectors: fc.uniqueArray(fc.tuple(word, word), { maxLength: 3, selector: ([key]) => key.toLowerCase() }).map((pairs) => pairs.filter(([key]) => key.toLowerCase() !== 'id')),
  idAt: fc.nat(3),
  tail: fc.boolean(),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

/** The address of record `id` in this layout (undefined: the list page, no id); `noise` ids go into the path. */
function address(c: Layout, id: string | undefined, noise: string[]): string {
  const insert = <T>(list: T[], at: number, item: T | undefined) => (item === undefined ? list : [...list.slice(0, at % (list.length + 1)), item, ...list.slice(at % (list.length + 1))]);
  const recordId = id === undefined ? [] : [id];
  const route = [...c.before, ...recordId, ...c.after];
  const origin = `${c.scheme}://${c.host}${c.port}`;
  // Before the record id: the last id-like path segment is the record's.
  const at = c.noiseAt % (c.before.length + 1);
  const path = (rest: string[] = []) => `/${[...c.before.slice(0, at), ...noise, ...c.before.slice(at), ...rest].join('/')}`;
  switch (c.where) {
    case 'path':
      return `${origin}${path([...recordId, ...c.after])}`;
    case 'query': {
      const params = insert(
        c.selectors.map(([key, value]) => `${key}=${value}`),
        c.idAt,
        id === undefined ? undefined : `id=${id}`,
      );
      return `${origin}${path()}?${params.join('&')}`;
    }
    case 'hash':
      return `${origin}${path().replace(/\/?$/, '/')}#/${route.join('/')}${c.tail ? '?tab=info' : ''}`;
    default:
      return `${origin}${path()}#page=%2F${route.join('%2F')}${c.tail ? '%3Ftab%3Dinfo' : ''}`;
  }
}

const readId = (pattern: ReturnType<typeof proposeUrlPattern>['url'], href: string) => compileUrlPattern(pattern)(new URL(href))?.id;

describe('URL generalisation on random record pages', () => {
  it('the proposal reads the exact id, another id of the same kind, and not the list page', () => {
    fc.assert(
      fc.property(layout, idPair, noiseIds, noiseIds, (c, [id, other], noise, otherNoise) => {
        const href = address(c, id, noise);
        const proposal = proposeUrlPattern(href);
        expect(proposal.recordId).toBe(id);
        expect(proposal.where).toBe(c.where);
        expect(readId(proposal.url, href)).toBe(id);
        expect(readId(proposal.url, address(c, other, noise))).toBe(other);
        // Other ids in the path were opened up: another org or portal fits too.
        if (otherNoise.length === noise.length) expect(readId(proposal.url, address(c, other, otherNoise))).toBe(other);
        expect(compileUrlPattern(proposal.url)(new URL(address(c, undefined, noise)))).toBeNull();
        expect(hostPermissionFor(proposal.url)).toHaveProperty('matchPattern');
        expect(typeof proposal.url === 'string').toBe(c.where !== 'encoded-hash');
      }),
      RUNS,
    );
  });

  it('the same when the admin picked the id, and a sibling page in `more` changes nothing', () => {
    fc.assert(
      fc.property(layout, idPair, noiseIds, (c, [id, other], noise) => {
        const href = address(c, id, noise);
        const proposal = proposeUrlPattern(href);
        expect(proposeUrlPattern(href, { recordId: id }).url).toEqual(proposal.url);
        expect(proposeUrlPattern(href, { more: [address(c, other, noise)] })).toEqual(proposal);
      }),
      RUNS,
    );
  });

  it('`more` pages whose route words differ are fitted by opening those words up', () => {
    fc.assert(
      fc.property(layout, idPair, fc.array(word, { minLength: 3, maxLength: 3 }), (c, [id, other], replacements) => {
        fc.pre(c.before.length > 0);
        const changed = { ...c, before: c.before.map((w, i) => (i === 0 ? `${replacements[0]}x` : w)) };
        const href = address(c, id, []);
        const proposal = proposeUrlPattern(href, { more: [address(changed, other, [])] });
        expect(readId(proposal.url, href)).toBe(id);
        expect(readId(proposal.url, address(changed, other, []))).toBe(other);
      }),
      RUNS,
    );
  });

  it('never throws anything but an Error, and never returns a pattern that misreads its own address', () => {
    const anyUrl = fc.webUrl({ withQueryParameters: true, withFragments: true });
    fc.assert(
      fc.property(anyUrl, (href) => {
        let proposal: ReturnType<typeof proposeUrlPattern>;
        try {
          proposal = proposeUrlPattern(href);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).not.toMatch(/^Bug/);
          return;
        }
        expect(readId(proposal.url, href)).toBe(proposal.recordId);
        expect(idKind(proposal.recordId) !== undefined || /\d/.test(proposal.recordId)).toBe(true);
      }),
      RUNS,
    );
  });
});
