import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from './canonical.ts';
import type { ArtifactDigest } from './types.ts';

// Artifacts are files of the run folder named by a relative POSIX path. A name must stay inside
// the folder, so a report can never make `verify` read (or the writer digest) files elsewhere.
// An artifact is required (every copy of the run must hold it) or optional (a published copy
// may leave it out, e.g. the large checkpoints); either way, a file that is there must match.

/** Files the report itself writes: they cannot also be its subjects. */
export const RESERVED_NAMES = ['report.json', 'public-key.pem'];

/** Why `name` is not an acceptable artifact path, or null when it is. */
export function artifactNameProblem(name: string): string | null {
  if (name === '') return 'empty name';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'uses a backslash; artifact paths use /';
  if (name.startsWith('/')) return 'is an absolute path; artifact paths are relative to the run folder';
  if (name.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return "has an empty, '.' or '..' segment";
  if (RESERVED_NAMES.includes(name)) return `is written by the report itself (${RESERVED_NAMES.join(', ')} cannot be artifacts)`;
  return null;
}

/** Problems with a list of artifact names: bad paths and duplicates. */
export function artifactListProblems(names: string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const p = artifactNameProblem(name);
    if (p) problems.push(`artifact ${JSON.stringify(name)}: ${p}`);
    if (seen.has(name)) problems.push(`artifact ${name}: listed twice`);
    seen.add(name);
  }
  return problems;
}

/** Problems with the optional subset: every optional name must be one of the artifacts. */
export function optionalListProblems(names: string[], optionalNames: string[]): string[] {
  const listed = new Set(names);
  return optionalNames.filter((name) => !listed.has(name)).map((name) => `optional artifact ${JSON.stringify(name)} is not one of the artifacts`);
}

/**
 * sha256 of each named file in `dir`, marked optional when named in `optionalNames` (a subset
 * of `names`). Every file must exist when signing, optional or not: the digest is of its bytes.
 * Throws naming the problems of the lists, or the first file that is missing or not a file.
 */
export function digestArtifacts(dir: string, names: string[], optionalNames: string[] = []): ArtifactDigest[] {
  const problems = [...artifactListProblems(names), ...optionalListProblems(names, optionalNames)];
  if (problems.length) throw new Error(`cannot sign the report:\n  ${problems.join('\n  ')}`);
  const optional = new Set(optionalNames);
  return names.map((name) => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`cannot sign the report: artifact ${name} does not exist in ${dir}`);
    if (!statSync(path).isFile()) throw new Error(`cannot sign the report: artifact ${name} is not a regular file`);
    return { name, sha256: sha256File(path), optional: optional.has(name) };
  });
}

/**
 * ok: present and matching. absent: an optional artifact left out of this copy (not a failure).
 * The others fail verification.
 */
export type ArtifactStatus = 'ok' | 'absent' | 'missing' | 'not-a-file' | 'mismatch' | 'bad-name';

export interface ArtifactCheck {
  name: string;
  status: ArtifactStatus;
  /** Why it failed, phrased for the user: "artifact levels.csv: sha256 mismatch (...)". */
  reason?: string;
}

/**
 * Compares each listed artifact with the file of that name under `dir`: every artifact present
 * must match its digest; a required one must be present, an optional one may be absent.
 */
export function checkArtifacts(dir: string, artifacts: ArtifactDigest[]): ArtifactCheck[] {
  return artifacts.map(({ name, sha256, optional }) => {
    const bad = artifactNameProblem(name);
    if (bad) return { name, status: 'bad-name', reason: `artifact ${JSON.stringify(name)}: ${bad}` };
    const path = join(dir, name);
    if (!existsSync(path)) return optional ? { name, status: 'absent' } : { name, status: 'missing', reason: `artifact ${name}: missing` };
    if (!statSync(path).isFile()) return { name, status: 'not-a-file', reason: `artifact ${name}: not a regular file` };
    const found = sha256File(path);
    if (found !== sha256) return { name, status: 'mismatch', reason: `artifact ${name}: sha256 mismatch (report ${sha256.slice(0, 12)}…, file ${found.slice(0, 12)}…)` };
    return { name, status: 'ok' };
  });
}

/**
 * Where absent optional artifacts live, compactly: their folders with a count ("seed-333/ (3)"),
 * files at the top of the run folder by name.
 */
export function describeAbsent(names: string[]): string {
  const groups = new Map<string, number>();
  for (const name of names) {
    const slash = name.lastIndexOf('/');
    const key = slash < 0 ? name : name.slice(0, slash + 1);
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([key, n]) => (key.endsWith('/') ? `${key} (${n})` : key)).join(', ');
}
