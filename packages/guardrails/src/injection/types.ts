export type InjectionRuleId = 'instruction-override' | 'role-impersonation' | 'approval-manipulation' | 'chat-template-token' | 'hidden-text' | 'encoded-payload' | 'exfiltration';

export type InjectionSeverity = 'medium' | 'high';

export interface InjectionFinding {
  rule: InjectionRuleId;
  /** Where it was found: `rationale`, `args.note`, `args.items[2].memo`. */
  field: string;
  /** Written for the approver: what the text appears to attempt. */
  reason: string;
  severity: InjectionSeverity;
}

/** A finding for a bare piece of text, before it is placed in a field. */
export type InjectionTextFinding = Omit<InjectionFinding, 'field'>;

export interface InjectionInput {
  rationale?: string | undefined;
  args: unknown;
}
