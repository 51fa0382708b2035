// @airlock/guardrails: checks on what an agent asks for, before a person sees it.
// Pure TypeScript with no Node built-ins, so workflows and browsers can use it too.

export { scanForInjection, scanText } from './injection/scan.js';
export type { InjectionFinding, InjectionInput, InjectionRuleId, InjectionSeverity } from './injection/types.js';

export { findSensitive, redact, redactText } from './sensitive/redact.js';
export { findSensitiveText } from './sensitive/find.js';
export { isSecretKey } from './sensitive/secret-keys.js';
export { redactSecretsInJsonText } from './sensitive/json-text.js';
export { isRedactionMarker, redactionMarker, redactedFields, restoreRedacted, CHANGED_REDACTED_VALUE, type RestoredEdit } from './sensitive/marker.js';
export { luhnValid, ibanChecksumValid } from './sensitive/checksums.js';
export type { SensitiveFinding, SensitiveKind, SensitiveSpan } from './sensitive/types.js';
