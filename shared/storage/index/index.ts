/**
 * The label index: series identity, postings per label pair, and matcher / label queries bounded
 * by time. See label-index.ts (the structure), label-index-query.ts (the queries) and
 * postings.ts (sorted ref lists and their set operations).
 */
export { LabelIndex, NameEntry, compareStrings, type LabelIndexOptions, type Overlapping } from './label-index.ts';
export { inRange, labelNames, labelValues, postingsForMatchers, selectRefs } from './label-index-query.ts';
export { EMPTY, PostingsList, intersect, isSorted, lowerBound, subtract, union, unionRefs } from './postings.ts';
