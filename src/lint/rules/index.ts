// Every rule, in code order. Each rule lives in its own file; its documentation is
// src/lint/docs/<code>.md.
import type { Rule } from '../rule';
import { missingMainGuard } from './MP001-missing-main-guard';
import { processNotJoined } from './MP002-process-not-joined';
import { joinBeforeDrain } from './MP003-join-before-drain';
import { unpicklableCallable } from './MP004-unpicklable-callable';
import { globalNotShared } from './MP005-global-not-shared';
import { lockNotReleased } from './MP006-lock-not-released';
import { lockOrderInversion } from './MP007-lock-order-inversion';
import { poolNotClosed } from './MP008-pool-not-closed';
import { asyncResultIgnored } from './MP009-async-result-ignored';
import { daemonStartsChildren } from './MP010-daemon-starts-children';
import { setStartMethodMisuse } from './MP011-set-start-method-misuse';
import { queueGetForever } from './MP012-queue-get-forever';
import { sharedMemoryNotUnlinked } from './MP013-shared-memory-not-unlinked';
import { terminateSharedResource } from './MP014-terminate-shared-resource';
import { popenWaitWithPipe } from './MP015-popen-wait-with-pipe';
import { joinLoopWrongVariable } from './MP016-join-loop-wrong-variable';
import { poolJoinWithoutClose } from './MP017-pool-join-without-close';
import { taskDoneOnPlainQueue } from './MP018-task-done-on-plain-queue';
import { lockReacquired } from './MP019-lock-reacquired';
import { processAttributeSetInChild } from './MP020-process-attribute-set-in-child';
import { syncPrimitivePickled } from './MP021-sync-primitive-pickled';
import { sharedValueRace } from './MP022-shared-value-race';
import { atexitInChild } from './MP023-atexit-in-child';

export const RULES: readonly Rule[] = [
  missingMainGuard,
  processNotJoined,
  joinBeforeDrain,
  unpicklableCallable,
  globalNotShared,
  lockNotReleased,
  lockOrderInversion,
  poolNotClosed,
  asyncResultIgnored,
  daemonStartsChildren,
  setStartMethodMisuse,
  queueGetForever,
  sharedMemoryNotUnlinked,
  terminateSharedResource,
  popenWaitWithPipe,
  joinLoopWrongVariable,
  poolJoinWithoutClose,
  taskDoneOnPlainQueue,
  lockReacquired,
  processAttributeSetInChild,
  syncPrimitivePickled,
  sharedValueRace,
  atexitInChild,
];

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code.toUpperCase());
}
