// Which latent action each play key should send. The LAM's codes are unnamed; the labelled test split
// says which true actions co-occur with each code, and that is the only evidence we have for naming them.
//
// Criterion: for each role (left, right, jump, no-op, each a set of true action ids) and latent code z,
//   lift(role, z) = P(role | z) / P(role)
// over all labelled transitions: how many times more often the role's actions occur when the LAM says z
// than overall. Lift rather than P(role | z) because the roles are far from equally common (in CoinRun
// 9 of the 15 actions move nothing, so the no-op role would win every code on raw share). Codes seen
// fewer than `minSupport` times are not eligible (a code used twice can have any lift by chance).
// Roles are matched greedily by descending lift to DISTINCT codes, so four keys give four different
// behaviours where the data allow it; a role left without a free eligible code shares the eligible code
// of highest lift for it, and the choice says so.

export type KeyRole = 'left' | 'right' | 'jump' | 'noop';

// True action ids per role. A true action may sit in two roles (LEFT+UP is both left and jump).
export type ActionClasses = Record<KeyRole, readonly number[]>;

// Procgen CoinRun's 15 actions (shared/data/coinrun/README.md): 0 LEFT+DOWN, 1 LEFT, 2 LEFT+UP, 3 DOWN,
// 4 NOOP, 5 UP, 6 RIGHT+DOWN, 7 RIGHT, 8 RIGHT+UP, 9..14 D A W S Q E (which move nothing in CoinRun);
// DOWN alone only matters on crates, so it counts as no-op.
export const COINRUN_ACTION_CLASSES: ActionClasses = {
  left: [0, 1, 2],
  right: [6, 7, 8],
  jump: [2, 5, 8],
  noop: [3, 4, 9, 10, 11, 12, 13, 14],
};

// Keyboard codes (KeyboardEvent.code, as the play page and terminal player look them up) per role.
// Space doubles the jump key as in most platformers; Down means "wait", CoinRun's DOWN being a no-op.
export const ROLE_KEYS: Record<KeyRole, { keys: readonly string[]; label: string }> = {
  left: { keys: ['ArrowLeft'], label: 'left' },
  right: { keys: ['ArrowRight'], label: 'right' },
  jump: { keys: ['ArrowUp', 'Space'], label: 'jump' },
  noop: { keys: ['ArrowDown'], label: 'wait' },
};

// Greedy matching order when two lifts are equal: the roles a player misses most first.
const ROLES: readonly KeyRole[] = ['right', 'left', 'jump', 'noop'];

export interface KeyMapChoice {
  role: KeyRole;
  latent: number;
  lift: number; // P(role | latent) / P(role)
  roleShareGivenLatent: number; // P(role | latent)
  roleBaseRate: number; // P(role)
  support: number; // transitions labelled with this latent
  distinct: boolean; // false: no free eligible code was left, so the role shares one with another role
}

// The same shape as src/play's KeyMap, so the world folder can store it as is.
export type KeyBindings = Record<string, { action: number; label: string }>;

export interface KeyMapResult {
  keys: KeyBindings;
  choices: KeyMapChoice[];
  transitions: number;
  minSupport: number;
  criterion: string;
}

export const KEY_MAP_CRITERION =
  'lift P(role|latent)/P(role) over the labelled transitions, latents with at least minSupport transitions, ' +
  'roles matched greedily by descending lift to distinct latents where possible';

export interface KeyMapOptions {
  classes?: ActionClasses;
  // Default: 1% of the transitions, at least 5.
  minSupport?: number;
}

// counts[latent][trueAction], e.g. LatentActionAnalysis.cooccurrence.
export function keyMapFromCooccurrence(counts: readonly (readonly number[])[], options: KeyMapOptions = {}): KeyMapResult {
  const classes = options.classes ?? COINRUN_ACTION_CLASSES;
  const numTrue = counts[0]?.length ?? 0;
  if (counts.length === 0 || numTrue === 0) throw new Error('keyMapFromCooccurrence: the co-occurrence matrix is empty');
  for (const role of ROLES) {
    for (const id of classes[role]) {
      if (!Number.isInteger(id) || id < 0 || id >= numTrue) {
        throw new Error(`keyMapFromCooccurrence: role '${role}' lists true action ${id}, but the matrix has true actions 0..${numTrue - 1}`);
      }
    }
  }
  const support = counts.map((row) => row.reduce((s, n) => s + n, 0));
  const transitions = support.reduce((s, n) => s + n, 0);
  if (transitions === 0) throw new Error('keyMapFromCooccurrence: no labelled transitions');
  const minSupport = options.minSupport ?? Math.max(5, Math.ceil(0.01 * transitions));
  const roleCount = (row: readonly number[], role: KeyRole) => classes[role].reduce((s, id) => s + row[id], 0);
  const baseRate = (role: KeyRole) => counts.reduce((s, row) => s + roleCount(row, role), 0) / transitions;

  const candidates = ROLES.flatMap((role) =>
    counts.flatMap((row, latent) => {
      if (support[latent] < minSupport || baseRate(role) === 0) return [];
      const share = roleCount(row, role) / support[latent];
      return [{ role, latent, lift: share / baseRate(role), roleShareGivenLatent: share, roleBaseRate: baseRate(role), support: support[latent] }];
    }),
  );
  if (candidates.length === 0) {
    throw new Error(`keyMapFromCooccurrence: no latent action has ${minSupport} or more labelled transitions (of ${transitions}); use more clips`);
  }
  // Stable sort: equal lifts keep role order, then latent order.
  const byLift = [...candidates].sort((a, b) => b.lift - a.lift);
  const chosen = new Map<KeyRole, KeyMapChoice>();
  const taken = new Set<number>();
  for (const candidate of byLift) {
    if (chosen.has(candidate.role) || taken.has(candidate.latent)) continue;
    chosen.set(candidate.role, { ...candidate, distinct: true });
    taken.add(candidate.latent);
  }
  for (const role of ROLES) {
    if (chosen.has(role)) continue;
    const best = byLift.find((c) => c.role === role);
    if (best) chosen.set(role, { ...best, distinct: false });
  }

  const choices = ROLES.filter((role) => chosen.has(role)).map((role) => chosen.get(role)!);
  const keys: KeyBindings = {};
  for (const choice of choices) {
    for (const key of ROLE_KEYS[choice.role].keys) keys[key] = { action: choice.latent, label: ROLE_KEYS[choice.role].label };
  }
  return { keys, choices, transitions, minSupport, criterion: KEY_MAP_CRITERION };
}
