/**
 * Structural checks of an Amazon States Language definition (used until `asl-validator` is a
 * devDependency): every transition names an existing state, every state is reachable, every
 * non-terminal state goes somewhere, terminal states exist; nested Map processors are checked too.
 */
export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string; ErrorEquals: string[] }[];
  Retry?: { ErrorEquals: string[] }[];
  Resource?: string;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  [key: string]: unknown;
}
export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

export function transitions(state: AslState): string[] {
  return [
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Default ? [state.Default] : []),
    ...(state.Next ? [state.Next] : []),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

export function aslProblems(machine: AslMachine, where = "(top)"): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(machine.States));
  if (!names.has(machine.StartAt)) problems.push(`${where}: StartAt "${machine.StartAt}" is not a state`);
  let terminals = 0;
  for (const [name, state] of Object.entries(machine.States)) {
    if (name.length > 80) problems.push(`${where}: state name longer than 80 characters: "${name}"`);
    for (const next of transitions(state)) {
      if (!names.has(next)) problems.push(`${where}: "${name}" goes to missing state "${next}"`);
    }
    const terminal = state.Type === "Succeed" || state.Type === "Fail" || state.End === true;
    if (terminal) terminals++;
    if (state.Type === "Choice") {
      if (!state.Choices?.length) problems.push(`${where}: Choice "${name}" has no rules`);
      if (state.Next || state.End) problems.push(`${where}: Choice "${name}" has Next/End`);
    } else if (!terminal && !state.Next) {
      problems.push(`${where}: "${name}" has neither Next nor End`);
    } else if (state.Next && state.End) {
      problems.push(`${where}: "${name}" has both Next and End`);
    }
    if (state.Type === "Task" && !state.Resource) problems.push(`${where}: Task "${name}" has no Resource`);
    const inner = state.ItemProcessor ?? state.Iterator;
    if (state.Type === "Map") {
      if (!inner) problems.push(`${where}: Map "${name}" has no ItemProcessor`);
      else problems.push(...aslProblems(inner, name));
    }
  }
  if (terminals === 0) problems.push(`${where}: no terminal state (Succeed, Fail or End)`);
  const reached = reachable(machine);
  for (const name of names) if (!reached.includes(name)) problems.push(`${where}: "${name}" is unreachable`);
  return problems;
}

/**
 * States in depth-first order from StartAt, following Choice rules in order, then Default, then
 * Next; Catch transitions last. The first visit of each recipe stage gives the console's order.
 */
export function reachable(machine: AslMachine): string[] {
  const seen: string[] = [];
  const visit = (name: string): void => {
    if (seen.includes(name) || !machine.States[name]) return;
    seen.push(name);
    for (const next of transitions(machine.States[name])) visit(next);
  };
  visit(machine.StartAt);
  return seen;
}
