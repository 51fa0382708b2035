// Error messages and stack traces go into the failure's encoded attributes, so the
// payload codec (when AIRLOCK_PAYLOAD_KEYS is set) encrypts them like any payload:
// a tool error that echoes its arguments is then unreadable in Temporal's history.
// Plain CommonJS: Temporal loads it by path, with `require` in the worker and
// through webpack in the workflow bundle.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
