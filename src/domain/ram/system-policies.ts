/**
 * RAM's system policies (`PolicyType: System`): listed by ListPolicies, read by GetPolicy, attachable
 * by name. One list, the evaluator's (src/domain/authorization/system-policies.ts).
 */
export { SYSTEM_POLICIES, type SystemPolicy, systemPolicy } from '../authorization/system-policies.js';
