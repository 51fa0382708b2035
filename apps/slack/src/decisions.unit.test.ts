import { describe, expect, it } from 'vitest';
import { refusalText, rememberedText } from './decisions.js';

// What the clicker is told in Slack quotes text the agent chose (argument names and values in a grant's condition,
// an argument's name in a refusal): escaped, it can show no mention, link or formatting of the agent's making.
const phishing = 'x` <!channel> <https://evil.example/login|Open Airlock console> `';

describe('the answers to approve and remember', () => {
  it('shows a granted condition built from the agent’s argument as text: no mention, no link, its code span unbroken', () => {
    const text = rememberedText({
      id: 'grant-1',
      tool: 'payments.refund',
      agentId: 'billing-bot',
      condition: `args["note"] == ${JSON.stringify(phishing)}`,
      maxUses: 3,
      validUntil: new Date(Date.UTC(2026, 11, 5)),
    });
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;https://evil.example/login|Open Airlock console&gt;');
    expect(text).not.toMatch(/<https?:|<!channel>/);
    // The one code span holds the whole condition: the argument's backticks are not its end.
    expect(text).toContain('where `args["note"] == "x\' &lt;!channel&gt; &lt;https://evil.example/login|Open Airlock console&gt; \'"` run without waiting');
    expect(text).toContain('<!date^1796428800^{date_short_pretty} {time}|2026-12-05T00:00:00.000Z>');
  });

  it('escapes a refusal’s reason, which can quote an argument name the agent chose', () => {
    const text = refusalText('approve', `bounds.0: the action has no argument "<!here> <https://evil.example|console>"`);
    expect(text).toBe(':no_entry: Your approval was not recorded: bounds.0: the action has no argument "&lt;!here&gt; &lt;https://evil.example|console&gt;".');
    expect(refusalText('deny', 'bob already decided', true)).toBe(':information_source: Your denial was not recorded: bob already decided.');
  });
});
