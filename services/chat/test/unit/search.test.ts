import { ConfigError } from '@huddle/config';
import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import {
  MATCH_END,
  MATCH_START,
  searchLanguages,
  snippetParts,
  validateQuery,
} from '../../src/domain/search';

describe('X3 search rules', () => {
  it('X3: a practice searches in its configured language, every other one in the default', () => {
    const languageOf = searchLanguages('simple', { 'practice-1': 'english' });
    expect(languageOf('practice-1')).toBe('english');
    expect(languageOf('practice-2')).toBe('simple');
    expect(languageOf('constructor')).toBe('simple');
  });

  it('X3: the chat service reads the languages from its environment and refuses unknown ones', () => {
    expect(loadConfig({}).search).toEqual({ language: 'simple', practiceLanguages: {} });
    expect(
      loadConfig({ SEARCH_LANGUAGE: 'german', SEARCH_PRACTICE_LANGUAGES: 'p-1=english,p-2=french' }).search,
    ).toEqual({ language: 'german', practiceLanguages: { 'p-1': 'english', 'p-2': 'french' } });
    expect(() => loadConfig({ SEARCH_LANGUAGE: 'klingon' })).toThrow(ConfigError);
    expect(() => loadConfig({ SEARCH_PRACTICE_LANGUAGES: 'p-1=english,p-2' })).toThrow(ConfigError);
  });

  it('X3: a query is 1-200 characters once trimmed', () => {
    expect(validateQuery('  oat milk ')).toBe('oat milk');
    expect(() => validateQuery('   ')).toThrow(HuddleError);
    expect(() => validateQuery('x'.repeat(201))).toThrow(HuddleError);
  });

  it('X3: a headline splits into plain-text parts, the matches marked', () => {
    const headline = `Went ${MATCH_START}running${MATCH_END} and ${MATCH_START}running${MATCH_END}${MATCH_START}again${MATCH_END}`;
    expect(snippetParts(headline)).toEqual([
      { text: 'Went ', match: false },
      { text: 'running', match: true },
      { text: ' and ', match: false },
      { text: 'runningagain', match: true },
    ]);
    expect(snippetParts('no match')).toEqual([{ text: 'no match', match: false }]);
    expect(snippetParts(`${MATCH_START}cut`)).toEqual([{ text: 'cut', match: true }]);
    expect(snippetParts('')).toEqual([]);
  });
});
