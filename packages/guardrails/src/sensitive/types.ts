export type SensitiveKind = 'email' | 'phone' | 'card' | 'national_id' | 'secret';

/** A sensitive span inside one string; never the value itself. */
export interface SensitiveSpan {
  kind: SensitiveKind;
  /** Which detector fired, e.g. `us_ssn`, `iban`, `jwt`, `secret_key_name`: useful in audits, safe to log. */
  detector: string;
  /** UTF-16 offsets into the string, `end` exclusive. */
  start: number;
  end: number;
}

export interface SensitiveFinding extends SensitiveSpan {
  /** JSON path of the string, e.g. `$.customer.email` or `$.items[2].memo`; keys in it as redacted. */
  path: string;
  /** The string is the object key that ends `path` (shown there redacted), not a value. */
  key?: true;
}

/** What detectors' preconditions read, counted once per string. */
export interface TextFacts {
  /** ASCII digits (`\d`) in the string. */
  digits: number;
}

/** One kind of sensitive value in free text. Detectors may overlap; overlaps are merged. */
export interface Detector {
  kind: SensitiveKind;
  name: string;
  /**
   * A cheap necessary condition (a literal the pattern needs, a digit count): false means
   * `find` would yield nothing, so it is not run. Most strings (ids, hashes, names) pass
   * none, and a detector's generator and regex iterators cost more than the test.
   */
  mayOccur(text: string, facts: TextFacts): boolean;
  find(text: string): Iterable<{ start: number; end: number }>;
}
