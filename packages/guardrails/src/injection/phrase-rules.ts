import type { MatchForms } from '../text/normalize.js';
import type { InjectionRuleId, InjectionSeverity } from './types.js';

/**
 * Phrase and token rules. Phrase patterns run on `words` (lower case, punctuation
 * collapsed to single spaces, apostrophes dropped); token patterns run on `normalized`.
 * Each pattern needs the attack's object as well as its verb, so business text such as
 * "ignore the duplicate line item" or "the previous order" stays quiet.
 */
export interface PhraseRule {
  id: InjectionRuleId;
  severity: InjectionSeverity;
  reason: string;
  form: keyof Pick<MatchForms, 'words' | 'normalized'>;
  pattern: RegExp;
}

// "my previous instructions" is left out on purpose: that is a person correcting themselves.
const DETERMINER = '(?:(?:all|any|the|your|these|those|of|every|everything) )*';
const EARLIER = '(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|developer|safety)';
const GUIDANCE = '(?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails|constraints)';
const APPROVER = '(?:the |your |any )?(?:approvers?|reviewers?|humans?|human reviewers?|admins?|administrators?|security|compliance|auditors?|audit team)';
const NEGATION = '(?:do not|dont|never|without)';
const JAILBROKEN = '(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|dan)';

export const PHRASE_RULES: readonly PhraseRule[] = [
  {
    id: 'instruction-override',
    severity: 'high',
    reason: 'tells the model to ignore its earlier instructions',
    form: 'words',
    pattern: new RegExp(`\\b(?:ignore|disregard|forget|override|bypass|discard|abandon) ${DETERMINER}${EARLIER}(?: \\w+)? ${GUIDANCE}\\b`),
  },
  {
    id: 'instruction-override',
    severity: 'high',
    reason: 'tells the model to forget what it was told',
    form: 'words',
    pattern: /\b(?:ignore|disregard|forget) (?:everything|all|anything) (?:above|before this|so far|you (?:were|have been) told)\b/,
  },
  {
    id: 'instruction-override',
    severity: 'medium',
    reason: 'announces replacement instructions for the model',
    form: 'words',
    pattern: /\byour (?:new|real|actual|updated) (?:instructions|system prompt|directives) (?:are|is|follow)\b/,
  },
  {
    id: 'role-impersonation',
    severity: 'high',
    reason: 'tries to give the model a new, unrestricted identity',
    form: 'words',
    pattern: new RegExp(
      `\\byou are (?:now|no longer) (?:an? |the |in )?${JAILBROKEN}\\b` +
        `|\\byou are now (?:an? |the )?(?:different|new|other) (?:ai|assistant|model|persona|character|chatbot)\\b` +
        `|\\byou are no longer (?:an? )?(?:ai|assistant|chatbot|language model|restricted|limited|bound by (?:your|any|the) (?:rules|guidelines|instructions|policies))\\b`,
    ),
  },
  {
    id: 'role-impersonation',
    severity: 'high',
    reason: 'asks the model to act as an unrestricted agent',
    form: 'words',
    pattern: new RegExp(
      `\\b(?:act|behave|respond|roleplay) as (?:if you (?:were|are) )?(?:an? |the )?${JAILBROKEN}\\b` +
        `|\\b(?:act|behave|respond) as (?:an? |the )?(?:ai|assistant|model|chatbot) (?:with no|without|that has no|free of) (?:restrictions|rules|filters|limits|guidelines)\\b`,
    ),
  },
  {
    id: 'role-impersonation',
    severity: 'high',
    reason: 'asks the model to pretend to be someone else',
    form: 'words',
    pattern: /\bpretend (?:to be|you are|that you are) (?:an? |the )?(?:ai|assistant|model|system|administrator|developer|different|unrestricted)\b/,
  },
  {
    id: 'role-impersonation',
    severity: 'high',
    reason: 'invokes a jailbreak mode',
    form: 'words',
    pattern: /\b(?:god|jailbreak|jailbroken|dan) mode\b|\bdo anything now\b/,
  },
  {
    id: 'role-impersonation',
    severity: 'medium',
    reason: 'mentions developer mode',
    form: 'words',
    pattern: /\bdeveloper mode\b/,
  },
  {
    id: 'role-impersonation',
    severity: 'medium',
    reason: 'refers to the model’s system prompt',
    form: 'words',
    pattern: /\bsystem prompts?\b/,
  },
  {
    id: 'approval-manipulation',
    severity: 'medium',
    reason: 'claims the action is pre-approved',
    form: 'words',
    pattern: /\bpre ?(?:approved|authori[sz]ed|cleared)\b/,
  },
  {
    id: 'approval-manipulation',
    severity: 'medium',
    reason: 'urges approval',
    form: 'words',
    pattern: /\b(?:auto|automatically|just|simply|immediately) (?:approve|sign off)\b/,
  },
  {
    id: 'approval-manipulation',
    severity: 'high',
    reason: 'asks for approval without review',
    form: 'words',
    pattern:
      /\b(?:blindly approve|approve (?:it |this |them )?(?:without|before) (?:any )?(?:review|reviewing|checking|reading|looking|verification|questions?))\b|\b(?:no need|not necessary|unnecessary) (?:to|for) (?:a |any )?(?:human )?(?:review|reviewing|approval|approve)\b/,
  },
  {
    id: 'approval-manipulation',
    severity: 'high',
    reason: 'asks to skip or bypass the approval',
    form: 'words',
    pattern: /\b(?:skip|bypass|circumvent|override) (?:the |this |any |all )?(?:human )?(?:approval|approvals|review|approver|reviewer|sign off|gate|airlock|four eyes check)\b/,
  },
  {
    id: 'approval-manipulation',
    severity: 'high',
    reason: 'asks to keep the approver uninformed',
    form: 'words',
    pattern: new RegExp(
      `\\b${NEGATION} (?:notify|notifying|tell|telling|inform|informing|alert|alerting|cc|ccing|involve|involving|mention|mentioning|show|showing) (?:this |it )?(?:to )?${APPROVER}\\b`,
    ),
  },
  {
    id: 'chat-template-token',
    severity: 'high',
    reason: 'contains chat-template control tokens that fake a system or user turn',
    form: 'normalized',
    pattern:
      /<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end_of_turn|start_of_turn)\s*\|>|\[\/?inst\]|<<\/?sys>>|<\/?(?:start_of_turn|end_of_turn)>|#{2,}\s*(?:system|instructions?|assistant|user|human)\s*:|<\/?(?:system|system_prompt|instructions)>/,
  },
  {
    id: 'exfiltration',
    severity: 'high',
    reason: 'pipes a downloaded script into a shell',
    form: 'normalized',
    pattern: /\b(?:curl|wget|iwr|invoke-webrequest)\b[^|]{0,300}\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b|\bbase64 (?:-d|--decode)\b[^|]{0,100}\|\s*(?:ba|z)?sh\b/,
  },
  {
    id: 'exfiltration',
    severity: 'high',
    reason: 'asks to send credentials or private data to a URL',
    form: 'normalized',
    pattern:
      /\b(?:send|post|upload|forward|exfiltrate|transmit|leak|copy|dump|email)\b.{0,120}?(?:\b(?:credentials?|secrets?|passwords?|api keys?|tokens?|env(?:ironment)? var(?:iable)?s?|ssh keys?|private keys?|system prompt|conversation|chat history|customer data)|\.env)\b.{0,120}?\bto:?\s*<?(?:https?|ftp):\/\//,
  },
  {
    id: 'exfiltration',
    severity: 'medium',
    reason: 'asks to send data to a URL',
    form: 'normalized',
    pattern: /\b(?:send|post|upload|forward|exfiltrate|transmit|leak|dump)\b.{0,120}?\bto:?\s*<?(?:https?|ftp):\/\//,
  },
];
