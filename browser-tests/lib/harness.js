'use strict';
// A tiny sequential test harness: each test has a time limit; the last line printed by the runner is
// "N passed, N failed" (", N skipped" when some were skipped).

class Skip extends Error {}

function createHarness() {
  const tests = [];
  return {
    Skip,
    test(name, fn, opts = {}) {
      // BROWSER_TESTS_ONLY=<regex>: run only the tests whose name matches (while working on one piece).
      if (process.env.BROWSER_TESTS_ONLY && !new RegExp(process.env.BROWSER_TESTS_ONLY).test(name)) return;
      tests.push({ name, fn, timeout: opts.timeout || 30000 });
    },
    async run(log = console.log) {
      let passed = 0;
      let failed = 0;
      let skipped = 0;
      const failures = [];
      for (let i = 0; i < tests.length; i++) {
        const t = tests[i];
        const started = Date.now();
        let timer;
        try {
          await Promise.race([
            Promise.resolve().then(() => t.fn()),
            new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out after ' + t.timeout + ' ms')), t.timeout); })
          ]);
          passed++;
          log('ok ' + (i + 1) + ' - ' + t.name + ' (' + (Date.now() - started) + ' ms)');
        } catch (e) {
          if (e instanceof Skip) {
            skipped++;
            log('ok ' + (i + 1) + ' - ' + t.name + ' # SKIP ' + e.message);
          } else {
            failed++;
            failures.push(t.name);
            log('not ok ' + (i + 1) + ' - ' + t.name + ' (' + (Date.now() - started) + ' ms)');
            log(String((e && e.stack) || e).split('\n').map((l) => '    ' + l).join('\n'));
          }
        } finally {
          clearTimeout(timer);
        }
      }
      return { passed, failed, skipped, failures };
    }
  };
}

module.exports = { createHarness, Skip };
