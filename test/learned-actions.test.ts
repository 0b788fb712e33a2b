// LearnedActions as kept in the token cache: of() gives plain JSON, add() takes it back and nothing else.

import { describe, expect, it } from 'vitest';
import { LearnedActions } from '../src/learned-actions.ts';

const url = new URL('https://r.example/v2/team/app/manifests/latest');
const pull = ['repository:team/app:pull'];

describe('LearnedActions, through the token cache', () => {
  it('of() is what was learnt per method, as JSON; add() in another instance widens the same way', () => {
    const first = new LearnedActions();
    expect(first.learn('r.example', url, 'GET', pull, ['repository:team/app:pull,push'])).toBe(true);
    expect(first.learn('other.example', url, 'GET', pull, ['repository:team/app:delete,pull'])).toBe(true);
    const record = JSON.parse(JSON.stringify(first.of('r.example'))) as unknown;
    expect(record).toEqual({ GET: ['push'] });
    const second = new LearnedActions();
    second.add('r.example', record);
    const lib = new URL('https://r.example/v2/team/lib/manifests/latest');
    expect(second.widen('r.example', lib, 'GET', ['repository:team/lib:pull'])).toEqual(['repository:team/lib:pull,push']);
    expect(second.widen('r.example', lib, 'HEAD', ['repository:team/lib:pull'])).toEqual(['repository:team/lib:pull']);
    expect(second.of('other.example')).toEqual({});
  });

  it('a method named __proto__ survives the round trip as a plain property', () => {
    const first = new LearnedActions();
    first.learn('r.example', url, '__proto__', pull, ['repository:team/app:pull,push']);
    const json = JSON.stringify(first.of('r.example'));
    expect(json).toBe('{"__proto__":["push"]}');
    const second = new LearnedActions();
    second.add('r.example', JSON.parse(json));
    expect(second.of('r.example')).toEqual(JSON.parse(json));
  });

  it('add() takes only action names: junk is ignored, never thrown', () => {
    const actions = new LearnedActions();
    for (const junk of [undefined, null, 7, 'push', ['push'], { GET: 'push' }, { GET: [1, null, 'a b', 'x:y', { a: 1 }, 'push'] }]) actions.add('r.example', junk);
    expect(actions.of('r.example')).toEqual({ GET: ['push'] });
  });
});
