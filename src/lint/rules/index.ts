// Every rule, in code order. Each rule lives in its own file; its documentation is
// src/lint/docs/<code>.md.
import type { Rule } from '../rule';
import { missingMainGuard } from './MP001-missing-main-guard';

export const RULES: readonly Rule[] = [missingMainGuard];

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code.toUpperCase());
}
