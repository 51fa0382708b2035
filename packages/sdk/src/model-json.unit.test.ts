import { describe, expect, it } from 'vitest';
import { jsonForModel } from './model-json.js';

describe('the JSON text of an output the model reads', () => {
  it('is JSON.stringify’s for plain JSON, an object used twice (not a cycle) written both times', () => {
    const card = { last4: '4242' };
    expect(jsonForModel({ a: card, b: [card, 1.5, null, 'x'] })).toBe('{"a":{"last4":"4242"},"b":[{"last4":"4242"},1.5,null,"x"]}');
    expect(jsonForModel(undefined)).toBe('null');
  });

  it('writes a BigInt as its digits and an object inside itself as "[cycle]"', () => {
    const node: Record<string, unknown> = { id: 7n };
    node.children = [node, { parent: node }];
    expect(jsonForModel(node)).toBe('{"id":"7","children":["[cycle]",{"parent":"[cycle]"}]}');
  });

  it('never throws: a toJSON that throws is named instead', () => {
    expect(
      jsonForModel({
        toJSON() {
          throw new Error('no');
        },
      }),
    ).toBe("(the tool's output cannot be written as JSON: no)");
  });
});
