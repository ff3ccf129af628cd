import { describe, expect, it } from 'vitest';
import type { CrmAction, CrmActionStep } from '../../../lib/crm-actions/schema';
import {
  bodyVariables,
  captureValues,
  crmActionProblems,
  missingVariableMessage,
  readPointer,
  renderBody,
  renderStep,
  renderString,
  stepLabel,
  TemplateError,
  templateVariables,
  type Variables,
} from '../../../lib/crm-actions/template';

const lead: Variables = {
  EMAIL: 'ada@example.com',
  PHONE_E164: '+4915112345678',
  FIRST_NAME: 'Ada',
  LAST_NAME: 'Lovelace',
  EMPTY: '',
  NOTHING: undefined,
};
const raw = (template: string, vars: Variables = lead) => renderString(template, vars, { encode: 'none', where: 'test' });
const url = (template: string, vars: Variables = lead) => renderString(template, vars, { encode: 'url', where: 'test' });

/** The TemplateError `run` throws (fails the test when it throws nothing or something else). */
function templateError(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

const step = (fields: Partial<CrmActionStep> = {}): CrmActionStep => ({ method: 'GET', url: 'https://crm.test/api', ...fields });
const render = (fields: Partial<CrmActionStep>, vars: Variables = lead) => renderStep(step(fields), vars, { stepLabel: 'step "create note"' });

describe('variables', () => {
  it('replace {NAME} by its value; any other text is literal', () => {
    expect(raw('Chat with {FIRST_NAME} {LAST_NAME} <{EMAIL}>')).toBe('Chat with Ada Lovelace <ada@example.com>');
    expect(raw('{first_name} {First} { EMAIL } {EMAIL-2} {"a": {1}} {} {{EMAIL}}')).toBe('{first_name} {First} { EMAIL } {EMAIL-2} {"a": {1}} {} {ada@example.com}');
    expect(raw('no variables at all')).toBe('no variables at all');
    expect(raw('')).toBe('');
  });

  it('insert a value once: a value holding {NAME} or =FUNCTION( stays text', () => {
    expect(raw('x{A}y', { A: '{EMAIL}', EMAIL: 'no' })).toBe('x{EMAIL}y');
    expect(raw('{A}', { A: '=CONCAT_OR(a, b)' })).toBe('=CONCAT_OR(a, b)');
    expect(raw('{A}', { A: '$& $1 $$' })).toBe('$& $1 $$');
  });

  it('a missing variable (absent, undefined or empty) is a TemplateError naming it and the place', () => {
    for (const name of ['PERSON_ID', 'NOTHING', 'EMPTY']) {
      const error = templateError(() =>
        renderString(`Lead {EMAIL} / {${name}}`, lead, { encode: 'none', where: 'step "create note": body.Subject' }),
      );
      expect(error.variable).toBe(name);
      expect(error.where).toBe('step "create note": body.Subject');
      expect(error.message).toBe(`step "create note": body.Subject needs {${name}}, which this lead does not have`);
    }
    expect(missingVariableMessage('step "create note": body.Subject', 'EMAIL')).toBe(
      'step "create note": body.Subject needs {EMAIL}, which this lead does not have',
    );
  });

  it('never read inherited properties as values', () => {
    expect(() => raw('{A}', Object.create({ A: 'inherited' }) as Variables)).toThrow(TemplateError);
  });
});

describe('functions', () => {
  const lookup = '=CONCAT_OR((Id:equals:{ACCOUNT_ID}), (Email:equals:{EMAIL}))';

  it("CONCAT_OR as in CCAI's table: the present arguments joined by ' or '", () => {
    expect(raw(lookup, { ACCOUNT_ID: '0015g00000XyZ' })).toBe('(Id:equals:0015g00000XyZ)');
    expect(raw(lookup, { ACCOUNT_ID: '0015g00000XyZ', EMAIL: 'ada@example.com' })).toBe('(Id:equals:0015g00000XyZ) or (Email:equals:ada@example.com)');
    expect(raw(lookup, { EMAIL: 'ada@example.com' })).toBe('(Email:equals:ada@example.com)');
    expect(raw(lookup, {})).toBeUndefined();
  });

  it("CONCAT_AND joins with ' and '; literal arguments count as present", () => {
    expect(raw('=CONCAT_AND(status:open, (Email:{EMAIL}), (Phone:{PHONE}))')).toBe('status:open and (Email:ada@example.com)');
    expect(raw('=CONCAT_AND({FIRST_NAME})')).toBe('Ada');
  });

  it('DEFAULT_VALUE: the first argument when it has a value, else the second', () => {
    expect(raw('=DEFAULT_VALUE({FIRST_NAME}, Unknown)')).toBe('Ada');
    expect(raw('=DEFAULT_VALUE({NICKNAME}, Unknown)')).toBe('Unknown');
    expect(raw('=DEFAULT_VALUE({EMPTY}, {LAST_NAME})')).toBe('Lovelace');
    expect(raw('=DEFAULT_VALUE({NICKNAME}, {ALIAS})')).toBeUndefined();
    expect(raw('=DEFAULT_VALUE({NICKNAME},)')).toBeUndefined();
  });

  it('a missing variable empties its whole argument, not just itself', () => {
    expect(raw('=CONCAT_OR(Name: {FIRST_NAME} {MIDDLE_NAME}, fallback)')).toBe('fallback');
  });

  it('split arguments on top-level commas only; trim the template text, never the values', () => {
    expect(raw('=CONCAT_AND( (a,b) , {x,y} ,  c  )')).toBe('(a,b) and {x,y} and c');
    expect(raw('  =DEFAULT_VALUE({A}, b)  ', { A: '  padded, (value  ' })).toBe('  padded, (value  ');
  });

  it('may be nested; an inner call that yields nothing is an empty argument', () => {
    expect(raw('=DEFAULT_VALUE(=CONCAT_OR({ID}, {EMAIL}), none)')).toBe('ada@example.com');
    expect(raw('=DEFAULT_VALUE(=CONCAT_OR({ID}, {PHONE}), none)')).toBe('none');
  });

  it('render their arguments with the same encoding', () => {
    expect(url('=DEFAULT_VALUE({NAME}, a b)', { NAME: 'x y&z' })).toBe('x%20y%26z');
    expect(url('=DEFAULT_VALUE({NAME}, a b)', {})).toBe('a b');
  });

  it('only when the whole trimmed text starts with =', () => {
    expect(raw('Mail: =CONCAT_OR({EMAIL})')).toBe('Mail: =CONCAT_OR(ada@example.com)');
    expect(raw('a = b, (c')).toBe('a = b, (c');
    // Outside a function a missing variable is still an error.
    expect(() => raw('Mail: =CONCAT_OR({X})')).toThrow('test needs {X}, which this lead does not have');
  });

  it.each([
    ['=CONCAT(a, b)', 'test: unknown function =CONCAT (known: =DEFAULT_VALUE, =CONCAT_OR, =CONCAT_AND)'],
    ['=concat_or(a, b)', 'test: unknown function =concat_or (known: =DEFAULT_VALUE, =CONCAT_OR, =CONCAT_AND)'],
    ['=CONCAT_OR((a, b)', 'test: =CONCAT_OR(…) has unbalanced parentheses or braces'],
    ['=CONCAT_OR(a, b', 'test: =CONCAT_OR(…) has unbalanced parentheses or braces'],
    ['=CONCAT_OR(a}, b)', 'test: =CONCAT_OR(…) has an unmatched "}"'],
    ['=CONCAT_OR({a), b)', 'test: =CONCAT_OR(…) has an unmatched ")"'],
    ['=CONCAT_OR(a) b', 'test: =CONCAT_OR(…) is followed by text after its closing parenthesis'],
    ['=CONCAT_OR()', 'test: =CONCAT_OR needs at least one argument'],
    ['=DEFAULT_VALUE(a)', 'test: =DEFAULT_VALUE takes 2 arguments (a value and its default), not 1'],
    ['=DEFAULT_VALUE(a, b, c)', 'test: =DEFAULT_VALUE takes 2 arguments (a value and its default), not 3'],
    ['=', 'test: "=" starts with = but is not a function call such as =DEFAULT_VALUE({A}, {B})'],
    ['=CONCAT_OR', 'test: "=CONCAT_OR" starts with = but is not a function call such as =DEFAULT_VALUE({A}, {B})'],
    ['=DEFAULT_VALUE(=NOPE(a), b)', 'test: unknown function =NOPE (known: =DEFAULT_VALUE, =CONCAT_OR, =CONCAT_AND)'],
  ])('%s is a TemplateError', (template, message) => {
    const error = templateError(() => raw(template));
    expect(error.message).toBe(message);
    expect(error.variable).toBeUndefined();
    expect(error.where).toBe('test');
  });
});

describe('url encoding', () => {
  const nasty = 'Zoë "Q" O\'Brien & Co + 1/2 € 😀';
  const encoded = 'Zo%C3%AB%20%22Q%22%20O\'Brien%20%26%20Co%20%2B%201%2F2%20%E2%82%AC%20%F0%9F%98%80';

  it('encodes each inserted value with encodeURIComponent and leaves the template text alone', () => {
    expect(encodeURIComponent(nasty)).toBe(encoded);
    expect(url('https://crm.test/a b/{NAME}?q={NAME}&lit=x+y&e=%20', { NAME: nasty })).toBe(
      `https://crm.test/a b/${encoded}?q=${encoded}&lit=x+y&e=%20`,
    );
    expect(raw('{NAME}', { NAME: nasty })).toBe(nasty);
  });

  it('a lone surrogate becomes U+FFFD instead of throwing', () => {
    expect(url('{A}', { A: 'a\uD800b\uDC00' })).toBe('a%EF%BF%BDb%EF%BF%BD');
    expect(url('{A}', { A: '😀' })).toBe('%F0%9F%98%80');
  });

  it('renderStep: the URL keeps every value whole (a + stays a plus, / does not split the path)', () => {
    const request = render({ url: 'https://crm.test/persons/{NAME}/notes?q={NAME}&lit=x+y' }, { NAME: nasty });
    const parsed = new URL(request.url);
    expect(parsed.pathname.split('/')).toEqual(['', 'persons', encoded, 'notes']);
    expect(decodeURIComponent(parsed.pathname.split('/')[2] ?? '')).toBe(nasty);
    expect(parsed.searchParams.get('q')).toBe(nasty);
    expect(parsed.searchParams.get('lit')).toBe('x y');
    expect(request.url).toBe(`https://crm.test/persons/${encoded}/notes?q=${encoded.replace("'", '%27')}&lit=x+y`);
  });
});

describe('renderStep: url and query', () => {
  it('appends query parameters, encodeURIComponent-ed, after the url’s own query, kept as written', () => {
    const request = render({
      url: 'https://crm.test/v1/persons/search?fields=email&term=a+b#top',
      query: { term: '{EMAIL}', 'filter by': '=CONCAT_OR((Email:equals:{EMAIL}), (Phone:equals:{PHONE_E164}))', limit: '1' },
    });
    expect(request).toEqual({
      method: 'GET',
      url:
        'https://crm.test/v1/persons/search?fields=email&term=a+b&term=ada%40example.com' +
        '&filter%20by=(Email%3Aequals%3Aada%40example.com)%20or%20(Phone%3Aequals%3A%2B4915112345678)&limit=1#top',
      headers: {},
    });
    const params = new URL(request.url).searchParams;
    expect(params.getAll('term')).toEqual(['a b', 'ada@example.com']);
    expect(params.get('filter by')).toBe('(Email:equals:ada@example.com) or (Phone:equals:+4915112345678)');
  });

  it('leaves out a parameter whose function yields nothing, and adds no ? for none', () => {
    expect(render({ url: 'https://crm.test/v1/find', query: { id: '=DEFAULT_VALUE({ACCOUNT_ID},)' } }).url).toBe('https://crm.test/v1/find');
    expect(render({ url: 'https://crm.test/v1/find', query: { id: '=DEFAULT_VALUE({ACCOUNT_ID},)', e: '{EMAIL}' } }).url).toBe(
      'https://crm.test/v1/find?e=ada%40example.com',
    );
  });

  it('a missing variable in the url or query names it and where', () => {
    const inUrl = templateError(() => render({ url: 'https://crm.test/persons/{PERSON_ID}' }));
    expect(inUrl.message).toBe('step "create note": url needs {PERSON_ID}, which this lead does not have');
    expect(inUrl.variable).toBe('PERSON_ID');
    const inQuery = templateError(() => render({ query: { 'person-id': '{PERSON_ID}' } }));
    expect(inQuery.message).toBe('step "create note": query["person-id"] needs {PERSON_ID}, which this lead does not have');
  });

  it.each([
    ['{HOST}/x', { HOST: 'https://crm.test' }, 'step "create note": url does not make a web address (https%3A%2F%2Fcrm.test/x)'],
    ['ftp://crm.test/{EMAIL}', lead, 'step "create note": url does not make a web address (ftp: is not http or https)'],
    ['javascript:alert({EMAIL})', lead, 'step "create note": url does not make a web address (javascript: is not http or https)'],
    ['=DEFAULT_VALUE({URL}, )', {}, 'step "create note": url does not make a web address (it came out empty)'],
    ['https://{SUB}.crm.test/', { SUB: 'evil.test/x#' }, 'step "create note": url does not make a web address (https://evil.test%2Fx%23.crm.test/)'],
  ])('%s does not make a web address', (template, vars, message) => {
    expect(templateError(() => render({ url: template }, vars)).message).toBe(message);
  });

  it('refuses a value that would make a "." or ".." path segment (the parser would climb the path)', () => {
    for (const id of ['..', '.']) {
      const error = templateError(() => render({ url: 'https://crm.test/api/persons/{ID}/notes' }, { ID: id }));
      expect(error.message).toBe('step "create note": url does not make a web address (its path has a "." or ".." segment)');
      expect(error.variable).toBe('ID');
    }
    expect(render({ url: 'https://crm.test/api/persons/{ID}/notes' }, { ID: '...' }).url).toBe('https://crm.test/api/persons/.../notes');
    expect(render({ url: 'https://crm.test/api/persons/{ID}.json' }, { ID: '.' }).url).toBe('https://crm.test/api/persons/..json');
    expect(render({ url: 'https://crm.test/api?q={ID}' }, { ID: '..' }).url).toBe('https://crm.test/api?q=..');
  });
});

describe('renderStep: headers', () => {
  it('renders headers as they are and leaves out one whose function yields nothing', () => {
    const request = render({ headers: { 'X-Agent': '{FIRST_NAME} <{EMAIL}>', 'X-Account': '=DEFAULT_VALUE({ACCOUNT_ID},)', 'X-Literal': 'a%20b' } });
    expect(request.headers).toEqual({ 'X-Agent': 'Ada <ada@example.com>', 'X-Literal': 'a%20b' });
  });

  it.each(['evil\r\nX-Admin: yes', 'line\nbreak', 'carriage\rreturn', 'nul\0byte'])('refuses a value that would inject a header: %j', (value) => {
    const error = templateError(() => render({ headers: { 'X-Name': 'Lead {NAME}' } }, { NAME: value }));
    expect(error.message).toBe('step "create note": headers["X-Name"] would hold a line break or NUL, which a header cannot carry');
    expect(error.variable).toBe('NAME');
  });

  it('refuses characters fetch cannot send in a header (beyond Latin-1), and header names that are not tokens', () => {
    expect(render({ headers: { 'X-Name': '{NAME}' } }, { NAME: 'Zoë' }).headers).toEqual({ 'X-Name': 'Zoë' });
    const error = templateError(() => render({ headers: { 'X-Name': '{NAME}' } }, { NAME: 'Zoë 😀' }));
    expect(error.message).toBe('step "create note": headers["X-Name"] would hold characters beyond Latin-1, which a header cannot carry');
    expect(error.variable).toBe('NAME');
    expect(templateError(() => render({ headers: { 'X Name': 'x' } })).message).toBe('step "create note": headers["X Name"]: "X Name" is not a header name');
  });
});

describe('bodies', () => {
  const name = 'Zoë "the \\ quote" O\'Brien & Co 😀 <b>';

  it('JSON: values survive JSON.parse exactly (quotes, backslashes, unicode, &)', () => {
    const request = render({ method: 'POST', body: { Subject: 'Chat with {NAME}', Who: '{NAME}', Count: 2, Done: true, Nothing: null } }, { NAME: name });
    expect(request.contentType).toBe('application/json');
    expect(JSON.parse(request.body ?? '')).toEqual({ Subject: `Chat with ${name}`, Who: name, Count: 2, Done: true, Nothing: null });
  });

  it('container bodies: a map container and an array container, with omitted fields and elements', () => {
    const body = {
      data: [{ Subject: 'Chat {EMAIL}', Phone: '=DEFAULT_VALUE({PHONE},)', Tags: ['chat', '=CONCAT_OR({TAG})', '{FIRST_NAME}'] }],
      meta: { source: 'crm-chat-bridge', account: '=CONCAT_AND({ACCOUNT_ID})' },
    };
    expect(renderBody(body, lead, 'body')).toEqual({
      data: [{ Subject: 'Chat ada@example.com', Tags: ['chat', 'Ada'] }],
      meta: { source: 'crm-chat-bridge' },
    });
    const request = render({ method: 'PUT', body });
    expect(request.body).toBe('{"data":[{"Subject":"Chat ada@example.com","Tags":["chat","Ada"]}],"meta":{"source":"crm-chat-bridge"}}');
  });

  it('a missing variable names its path in the body', () => {
    const error = templateError(() => render({ method: 'POST', body: { data: [{ Subject: 'Chat {PERSON_ID}' }] } }));
    expect(error.message).toBe('step "create note": body.data[0].Subject needs {PERSON_ID}, which this lead does not have');
    expect(error.where).toBe('step "create note": body.data[0].Subject');
    expect(templateError(() => renderBody({ 'first name': ['{X}'] }, {}, 'body')).where).toBe('body["first name"][0]');
  });

  it('keeps a "__proto__" key as a key', () => {
    const body = JSON.parse('{"__proto__": "{EMAIL}", "a": 1}') as Record<string, string | number>;
    expect(render({ method: 'POST', body }).body).toBe('{"__proto__":"ada@example.com","a":1}');
  });

  it('scalars: a top-level string body, and one whose function yields nothing sends no body', () => {
    expect(renderBody(3, lead, 'body')).toBe(3);
    expect(renderBody(null, lead, 'body')).toBeNull();
    expect(render({ method: 'POST', body: '{EMAIL}' }).body).toBe('"ada@example.com"');
    expect(render({ method: 'POST', body: '=CONCAT_OR({X})' })).toEqual({ method: 'POST', url: 'https://crm.test/api', headers: {} });
  });

  it('form: the top-level properties, URLSearchParams-encoded, non-strings JSON-stringified, empty functions left out', () => {
    const request = render({
      method: 'POST',
      bodyFormat: 'form',
      body: { subject: 'Chat with {NAME}', count: 2, done: false, none: null, list: ['{EMAIL}'], gone: '=CONCAT_OR({X})' },
    }, { ...lead, NAME: name });
    expect(request.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      subject: `Chat with ${name}`,
      count: '2',
      done: 'false',
      none: 'null',
      list: '["ada@example.com"]',
    });
    expect(render({ method: 'POST', bodyFormat: 'form', body: { a: 'x y+z&w={EMAIL}' } }).body).toBe('a=x+y%2Bz%26w%3Dada%40example.com');
    expect(templateError(() => render({ method: 'POST', bodyFormat: 'form', body: ['a'] })).message).toBe(
      'step "create note": body: a form body must be an object of fields',
    );
  });

  it('GET and DELETE carry no body', () => {
    expect(templateError(() => render({ method: 'GET', body: { a: 1 } })).message).toBe('step "create note": body: a GET request cannot carry a body');
    expect(templateError(() => render({ method: 'DELETE', body: { a: 1 } })).message).toBe('step "create note": body: a DELETE request cannot carry a body');
    expect(render({ method: 'PATCH', body: { a: 1 } }).body).toBe('{"a":1}');
  });
});

describe('answers', () => {
  const answer = {
    data: { items: [{ item: { id: 42, name: 'Ada', active: true, score: 1.5, tags: ['x'], none: null, empty: '' } }] },
    'a/b': { 'm~n': 'escaped' },
    '': 'empty key',
    big: 1e21,
  };

  it.each([
    ['/data/items/0/item/id', '42'],
    ['/data/items/0/item/name', 'Ada'],
    ['/data/items/0/item/active', 'true'],
    ['/data/items/0/item/score', '1.5'],
    ['/data/items/0/item/tags/0', 'x'],
    ['/a~1b/m~0n', 'escaped'],
    ['/', 'empty key'],
    ['/big', '1e+21'],
    ['/data/items/0/item/empty', ''],
  ])('readPointer %s → %s', (pointer, value) => {
    expect(readPointer(answer, pointer)).toBe(value);
  });

  it.each([
    '/data/items/1/item/id',
    '/data/items/00/item/id',
    '/data/items/-/item/id',
    '/data/items/0/item/none',
    '/data/items/0/item/tags',
    '/data/items/0/item',
    '/data/missing',
    '/data/items/length',
    '/data/toString',
    '/data/__proto__',
    'data/items',
    '/a~01b',
  ])('readPointer %s → undefined', (pointer) => {
    expect(readPointer(answer, pointer)).toBeUndefined();
  });

  it('readPointer "" is the whole document, when it is a scalar', () => {
    expect(readPointer('id-7', '')).toBe('id-7');
    expect(readPointer(7, '')).toBe('7');
    expect(readPointer(answer, '')).toBeUndefined();
    expect(readPointer(undefined, '/x')).toBeUndefined();
    expect(readPointer(['a', 'b'], '/1')).toBe('b');
  });

  it('captureValues: the pointers that read a value; missing and empty ones are left out', () => {
    expect(captureValues(answer, { PERSON_ID: '/data/items/0/item/id', NAME: '/data/items/0/item/name', GONE: '/nope', EMPTY: '/data/items/0/item/empty' })).toEqual({
      PERSON_ID: '42',
      NAME: 'Ada',
    });
    expect(captureValues(answer, undefined)).toEqual({});
    expect(captureValues(undefined, { X: '/a' })).toEqual({});
  });
});

describe('variables used', () => {
  it('templateVariables: every name once, in order, inside functions too', () => {
    expect(templateVariables('=CONCAT_OR((Id:equals:{ACCOUNT_ID}), (Email:equals:{EMAIL}), {ACCOUNT_ID})')).toEqual(['ACCOUNT_ID', 'EMAIL']);
    expect(templateVariables('{email} {A1_B} {}')).toEqual(['A1_B']);
  });

  it('bodyVariables: every string of the body', () => {
    expect(bodyVariables({ data: [{ a: '{X}', b: ['{Y} {X}', 3, null], c: { d: '=DEFAULT_VALUE({Z}, -)' } }] })).toEqual(['X', 'Y', 'Z']);
    expect(bodyVariables(5)).toEqual([]);
  });

  it('stepLabel: the name, or the position from 1', () => {
    expect(stepLabel({ name: 'find person' }, 0)).toBe('step "find person"');
    expect(stepLabel({}, 1)).toBe('step 2');
  });
});

describe('crmActionProblems', () => {
  const known = ['EMAIL', 'PHONE_E164', 'FIRST_NAME', 'LAST_NAME', 'CHAT_URL'];
  const action = (steps: CrmActionStep[]): CrmAction => ({ name: 'Pipedrive', on: ['chat-opened'], steps });
  const findThenCreate: CrmActionStep[] = [
    { name: 'find person', method: 'GET', url: 'https://acme.pipedrive.com/api/v1/persons/search', query: { term: '=DEFAULT_VALUE({EMAIL}, {PHONE_E164})' }, capture: { PERSON_ID: '/data/items/0/item/id' } },
    { name: 'create person', method: 'POST', url: 'https://acme.pipedrive.com/api/v1/persons', when: { missing: 'PERSON_ID' }, body: { name: '{FIRST_NAME} {LAST_NAME}' }, capture: { PERSON_ID: '/data/id' } },
    { name: 'add note', method: 'POST', url: 'https://acme.pipedrive.com/api/v1/notes', body: { person_id: '{PERSON_ID}', content: 'Chat: {CHAT_URL}' } },
  ];

  it('a sound find-then-create action has none', () => {
    expect(crmActionProblems(action(findThenCreate), known)).toEqual([]);
  });

  it('names a variable neither known nor captured earlier, with the place', () => {
    expect(crmActionProblems(action([step({ url: 'https://crm.test/{TENANT}/x', headers: { 'X-Id': '{LEAD_ID}' } })]), known)).toEqual([
      'action "Pipedrive", step 1: url uses {TENANT}, which is neither a known variable ({EMAIL} {PHONE_E164} {FIRST_NAME} {LAST_NAME} {CHAT_URL}) nor captured by an earlier step',
      'action "Pipedrive", step 1: headers["X-Id"] uses {LEAD_ID}, which is neither a known variable ({EMAIL} {PHONE_E164} {FIRST_NAME} {LAST_NAME} {CHAT_URL}) nor captured by an earlier step',
    ]);
  });

  it('a variable only a later step (or this one) captures', () => {
    const [find, create, note] = findThenCreate as [CrmActionStep, CrmActionStep, CrmActionStep];
    expect(crmActionProblems(action([note, find, create]), known)).toEqual([
      'action "Pipedrive", step "add note": body.person_id uses {PERSON_ID}, which is not a known variable and only step "find person" captures; a step can use only what an earlier step captured',
    ]);
    expect(crmActionProblems(action([{ ...find, url: 'https://acme.pipedrive.com/api/v1/persons/{PERSON_ID}' }]), known)).toEqual([
      'action "Pipedrive", step "find person": url uses {PERSON_ID}, which is not a known variable and only this step captures; a step can use only what an earlier step captured',
    ]);
  });

  it('a when on a variable no earlier step captures, even a known one', () => {
    const [find, create] = findThenCreate as [CrmActionStep, CrmActionStep];
    expect(crmActionProblems(action([{ ...create, capture: { OTHER: '/id' } }]), known)).toEqual([
      'action "Pipedrive", step "create person": when names {PERSON_ID}, which no earlier step captures',
    ]);
    expect(crmActionProblems(action([create]), known)).toEqual([
      'action "Pipedrive", step "create person": when names {PERSON_ID}, which only this step captures; when can test only what an earlier step captured',
    ]);
    expect(crmActionProblems(action([find, { ...create, when: { present: 'EMAIL' } }]), known)).toEqual([
      'action "Pipedrive", step "create person": when names {EMAIL}, which no earlier step captures',
    ]);
    expect(crmActionProblems(action([{ ...find, when: { missing: 'PERSON_ID' } }]), known)).toEqual([
      'action "Pipedrive", step "find person": when names {PERSON_ID}, which only this step captures; when can test only what an earlier step captured',
    ]);
  });

  it('an unknown function or a malformed call', () => {
    expect(crmActionProblems(action([step({ query: { q: '=COALESCE({EMAIL}, x)' }, headers: { 'X-A': '=CONCAT_OR({EMAIL}' } })]), known)).toEqual([
      'action "Pipedrive", step 1: query.q: unknown function =COALESCE (known: =DEFAULT_VALUE, =CONCAT_OR, =CONCAT_AND)',
      'action "Pipedrive", step 1: headers["X-A"]: =CONCAT_OR(…) has unbalanced parentheses or braces',
    ]);
  });

  it('a url that cannot make an http(s) URL, even with every variable set', () => {
    expect(crmActionProblems(action([step({ url: '{EMAIL}' })]), known)).toEqual(['action "Pipedrive", step 1: url does not make a web address (x)']);
    expect(crmActionProblems(action([step({ url: 'mailto:{EMAIL}' })]), known)).toEqual([
      'action "Pipedrive", step 1: url does not make a web address (mailto: is not http or https)',
    ]);
    expect(crmActionProblems(action([step({ url: 'https://crm.test/a/../admin' })]), known)).toEqual([
      'action "Pipedrive", step 1: url does not make a web address (its path has a "." or ".." segment)',
    ]);
    expect(crmActionProblems(action([step({ url: 'https://{FIRST_NAME}.crm.test/x' })]), known)).toEqual([]);
  });

  it('a body on GET or DELETE, a form body that is not an object, a header that cannot be sent', () => {
    expect(
      crmActionProblems(
        action([
          step({ method: 'GET', body: { a: 1 } }),
          step({ method: 'DELETE', body: 'x' }),
          step({ method: 'POST', bodyFormat: 'form', body: ['{EMAIL}'] }),
          step({ headers: { 'X A': 'x', 'X-B': 'a\nb' } }),
        ]),
        known,
      ),
    ).toEqual([
      'action "Pipedrive", step 1: body: a GET request cannot carry a body',
      'action "Pipedrive", step 2: body: a DELETE request cannot carry a body',
      'action "Pipedrive", step 3: body: a form body must be an object of fields',
      'action "Pipedrive", step 4: headers["X A"]: "X A" is not a header name',
      'action "Pipedrive", step 4: headers["X-B"] would hold a line break or NUL, which a header cannot carry',
    ]);
  });
});
