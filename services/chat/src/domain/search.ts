import { invalid } from '@huddle/errors';

/**
 * X3: the PostgreSQL text search configurations a practice's messages may be stemmed with
 * (those every supported PostgreSQL ships); `simple` only lower-cases, for any language.
 */
export const SEARCH_LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'serbian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
  'yiddish',
] as const;

export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

export const isSearchLanguage = (value: string): value is SearchLanguage =>
  (SEARCH_LANGUAGES as readonly string[]).includes(value);

/** Which language a practice's messages are indexed and searched in. */
export type SearchLanguageOf = (practiceId: string) => SearchLanguage;

/** Every practice in `simple`: the fallback when nothing is configured. */
export const simpleEverywhere: SearchLanguageOf = () => 'simple';

/** A default language with exceptions per practice. */
export function searchLanguages(
  fallback: SearchLanguage,
  perPractice: Readonly<Record<string, SearchLanguage>>,
): SearchLanguageOf {
  return (practiceId) => (Object.hasOwn(perPractice, practiceId) ? perPractice[practiceId]! : fallback);
}

/**
 * X3: how many of the newest matching messages are ranked. A word in a tenth of a million
 * messages would otherwise be ranked in every one of them (reading each one's vector), far
 * from the 100 ms DESIGN.md asks; people look for what was said lately, and a query with more
 * words, or in one chat, reaches further back. Fewer matches than this are all ranked.
 */
export const SEARCH_WINDOW = 1_000;

/** A search query as typed by a person: web-search syntax ("quoted phrases", or, -not). */
export const MAX_QUERY = 200;

export function validateQuery(query: string): string {
  const trimmed = query.trim();
  if (trimmed.length === 0) throw invalid('q must not be empty', { fields: { q: 'must not be empty' } });
  if (trimmed.length > MAX_QUERY) {
    throw invalid(`q must be at most ${MAX_QUERY} characters`, {
      fields: { q: `must be at most ${MAX_QUERY} characters` },
    });
  }
  return trimmed;
}

/**
 * Where ts_headline marks a match: two control characters no search term contains, removed
 * from the body before highlighting, so a snippet splits into plain-text parts without any
 * markup a client would have to escape.
 */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

/** One run of a snippet's text; `match` says it matched the query. */
export interface SnippetPart {
  text: string;
  match: boolean;
}

/** Splits a ts_headline answer (matches between MATCH_START and MATCH_END) into parts. */
export function snippetParts(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, match: boolean) => {
    if (text.length === 0) return;
    const last = parts.at(-1);
    if (last && last.match === match) last.text += text;
    else parts.push({ text, match });
  };
  let rest = headline;
  while (rest.length > 0) {
    const start = rest.indexOf(MATCH_START);
    if (start === -1) {
      push(rest, false);
      break;
    }
    push(rest.slice(0, start), false);
    const end = rest.indexOf(MATCH_END, start + 1);
    const stop = end === -1 ? rest.length : end;
    push(rest.slice(start + 1, stop), true);
    rest = end === -1 ? '' : rest.slice(end + 1);
  }
  return parts;
}
