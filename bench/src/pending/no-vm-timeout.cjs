// A measurement, never how Airlock runs: BENCH_NO_VM_TIMEOUT=1 preloads this into the pending
// part's worker processes (bare and Airlock alike), and worker threads inherit the preload, so
// the SDK's workflow thread calls into the sandbox without the `timeout` it passes every call
// (isolateExecutionTimeout, its deadlock detector, which Node enforces with a watchdog thread
// made and joined per call). It shows what that guard costs a decision (bench/REPLAY.md).
const vm = require('node:vm');

const runInContext = vm.Script.prototype.runInContext;
vm.Script.prototype.runInContext = function (context, options) {
  if (options && options.timeout !== undefined) {
    const { timeout: _dropped, ...rest } = options;
    return runInContext.call(this, context, rest);
  }
  return runInContext.call(this, context, options);
};
