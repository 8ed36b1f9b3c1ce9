import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { normalizePractice, type Practice } from '../../src/domain/practice';

const fieldsOf = (input: Practice) => {
  try {
    normalizePractice(input);
  } catch (error) {
    expect(error).toBeInstanceOf(HuddleError);
    expect((error as HuddleError).code).toBe('validation_failed');
    return (error as HuddleError).details?.fields;
  }
  throw new Error('expected the practice to be refused');
};

describe('normalizePractice', () => {
  it('trims the name and keeps a valid practice', () => {
    expect(normalizePractice({ id: 'acme_1-x', name: '  Acme Nutrition ', plan: 'plus' })).toEqual({
      id: 'acme_1-x',
      name: 'Acme Nutrition',
      plan: 'plus',
    });
  });

  it.each(['starter', 'professional', 'plus', 'team'] as const)('accepts the %s plan', (plan) => {
    expect(normalizePractice({ id: 'p1', name: 'A', plan }).plan).toBe(plan);
  });

  it('lists every bad field at once', () => {
    expect(fieldsOf({ id: 'not an id!', name: '   ', plan: 'gold' as Practice['plan'] })).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      plan: expect.any(String),
    });
  });

  it('refuses ids longer than 64 characters and names longer than 200', () => {
    expect(Object.keys(fieldsOf({ id: 'a'.repeat(65), name: 'n'.repeat(201), plan: 'team' }) ?? {})).toEqual([
      'id',
      'name',
    ]);
  });

  it('accepts a 64-character id and a 200-character name', () => {
    expect(() =>
      normalizePractice({ id: 'a'.repeat(64), name: 'n'.repeat(200), plan: 'team' }),
    ).not.toThrow();
  });
});
