/**
 * Every command this repository prints, and whether it can work as written in a
 * fresh clone on Node 20 (after `npm install`). Used by commands.test.ts.
 *
 * Where commands are found (nothing is listed by hand, so new docs and scripts are
 * checked as they land):
 * - README.md and docs/*.md: every line of ```sh/bash/shell/console blocks, and every
 *   inline code span that starts with a command word (npm, npx, node, sanity, ...);
 * - the `--help` of every npm script that runs a file (`node <file>`);
 * - the doctor's fixes for a broken configuration.
 *
 * The rules, per first word (after VAR=value prefixes):
 * - `npm run X` / `npm start` / `npm test`: the script exists; no flag between the script
 *   name and `--` (npm keeps those for itself); every flag after `--` appears in that
 *   script's `--help`.
 * - `npx BIN`: BIN is in node_modules/.bin. For an oclif CLI (its package has
 *   oclif.manifest.json, e.g. sanity-run) the command exists and takes every flag given.
 * - `node FILE.ts`: refused (Node 20 does not run .ts files; use an npm script or
 *   `npx node FILE.ts`).
 * - `sanity`: refused (@sanity/cli is not installed here; `npx sanity-run` is); any other
 *   bin of node_modules/.bin typed bare (`sanity-run ...`, `vitest ...`): refused, use npx.
 * - `npx sanity ...`: run in the reader's own Studio folder with the Studio's CLI (the
 *   adoption guide's schema extract and document export): only the Studio commands in
 *   STUDIO_COMMANDS, with their flags.
 * - anything: each path it names under a top-level entry of the repository exists.
 * Nothing is executed except `--help`. Commands that need a Sanity account (every
 * `npx sanity-run` command except `functions test` and `functions dev`) are recognised
 * by that rule and get the same static checks, never a run.
 */
import {execFile} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, realpathSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {cliEnv, REPO_ROOT} from '../../tools/sanity-cli.ts';

export interface FoundCommand {
  /** Where it was printed: `README.md:120`, `npm run doctor -- --help`, ... */
  where: string;
  text: string;
}

const COMMAND_START = /^(?:[A-Z][A-Z0-9_]*=\S*\s+)*(?:npm|npx|node|sanity|sanity-run|node_modules\/\.bin\/\S+)\s/;
/** sanity-run commands that run offline; every other one needs a Sanity account. */
export const OFFLINE_SANITY_COMMANDS = new Set(['functions:test', 'functions:dev']);
const NPM_BUILTINS = new Set(['install', 'i', 'ci', 'exec']);

/** README.md and docs/*.md, relative to the repository root. */
export function markdownFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(REPO_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

/** Commands in one Markdown text: shell code blocks, and inline code spans that start with a command. */
export function commandsInMarkdown(file: string, text: string): FoundCommand[] {
  const found: FoundCommand[] = [];
  const lines = text.split('\n');
  let fence: string | undefined;
  let pending = '';
  let pendingLine = 0;
  lines.forEach((line, index) => {
    const fenceMatch = /^\s*```(\S*)/.exec(line);
    if (fenceMatch) {
      fence = fence === undefined ? fenceMatch[1] || 'none' : undefined;
      return;
    }
    if (fence !== undefined) {
      if (!['sh', 'bash', 'shell', 'console'].includes(fence)) return;
      const content = line.replace(/^\s*\$\s+/, '');
      if (!pending) pendingLine = index + 1;
      if (content.trimEnd().endsWith('\\')) {
        pending += `${content.trimEnd().slice(0, -1)} `;
        return;
      }
      const full = stripComment(pending + content).trim();
      pending = '';
      if (full) found.push({where: `${file}:${pendingLine}`, text: full});
      return;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      const code = span[1]!.trim();
      // One word (`sanity`, `npm`) names a tool, not a command.
      if (COMMAND_START.test(`${code} `) && /\s/.test(code))
        found.push({where: `${file}:${index + 1}`, text: untilEllipsis(code)});
    }
  });
  return found;
}

/** Commands inside a help text or message: from a command word to the end of the clause. */
export function commandsInText(where: string, text: string): FoundCommand[] {
  const found: FoundCommand[] = [];
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(
      /(?:^|[\s(:`])((?:[A-Z][A-Z0-9_]*=\S+\s+)*(?:npm (?:run|start|test|install|ci)|(?:npx|node|sanity) [^\s,;()`]+)[^,;()`]*)/g,
    )) {
      found.push({where, text: untilEllipsis(m[1]!.replace(/[[\]]/g, ' ').replace(/\s+/g, ' ').replace(/[.:]$/, ''))});
    }
  }
  return found;
}

/** `npx sanity-run functions test ...` is checked as far as it is written. */
const untilEllipsis = (text: string): string => text.replace(/\s*(\.\.\.|…).*$/, '').trim();

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Shell words (quotes removed), splitting `a && b` and `a; b` into separate commands. */
export function splitCommands(text: string): string[][] {
  const commands: string[][] = [[]];
  const re = /'([^']*)'|"([^"]*)"|(&&|\|\||;|\|)|([^\s'"]+)/g;
  let word = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    const gap = text.slice(last, m.index);
    last = (m.index ?? 0) + m[0].length;
    if (/\s/.test(gap) && word) {
      commands.at(-1)!.push(word);
      word = '';
    }
    if (m[3]) {
      if (word) commands.at(-1)!.push(word);
      word = '';
      commands.push([]);
      continue;
    }
    word += m[1] ?? m[2] ?? m[4] ?? '';
  }
  if (word) commands.at(-1)!.push(word);
  return commands.filter((c) => c.length > 0);
}

export interface PackageJson {
  scripts: Record<string, string>;
}

export const packageJson = (): PackageJson =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;

/** The file an npm script runs with `node <file>`, if that is what it does. */
export function scriptFile(script: string): string | undefined {
  return /^node (\S+\.[cm]?[jt]s)(?:\s|$)/.exec(script)?.[1];
}

export interface HelpText {
  script: string;
  code: number | null;
  text: string;
}

/** `node <file> --help` for one npm script, run as npm runs it (Node 24, clean environment). */
export function scriptHelp(script: string, file: string): Promise<HelpText> {
  return new Promise((resolve) => {
    execFile(
      join(REPO_ROOT, 'node_modules/.bin/node'),
      [file, '--help'],
      {cwd: REPO_ROOT, env: cliEnv(), timeout: 60_000},
      (error, stdout, stderr) =>
        resolve({
          script,
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          text: `${stdout}\n${stderr}`,
        }),
    );
  });
}

interface OclifManifest {
  commands: Record<string, {flags?: Record<string, {char?: string}>}>;
}

/** The oclif manifest of the package that provides `bin`, if it is an oclif CLI. */
function oclifManifest(bin: string): OclifManifest | undefined {
  let dir = dirname(realpathSync(join(REPO_ROOT, 'node_modules/.bin', bin)));
  while (dir.startsWith(join(REPO_ROOT, 'node_modules')) && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const manifest = join(dir, 'oclif.manifest.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as OclifManifest) : undefined;
}

const manifests = new Map<string, OclifManifest | undefined>();

const isPlaceholder = (word: string) => /[<>*$]/.test(word) || /^[A-Z][A-Z_-]*$/.test(word);
const flagName = (word: string) => word.split('=')[0]!;

/** Paths under a top-level entry of the repository must exist. */
function pathProblems(words: string[]): string[] {
  const problems: string[] = [];
  const top = new Set(readdirSync(REPO_ROOT));
  for (const raw of words) {
    const value = raw.includes('=') && raw.startsWith('-') ? raw.slice(raw.indexOf('=') + 1) : raw.replace(/^@/, '');
    if (isPlaceholder(value) || /^[a-z]+:\/\//.test(value) || !value.includes('/')) continue;
    const path = value.replace(/#.*$/, '');
    if (!top.has(path.split('/')[0]!)) continue;
    if (!existsSync(join(REPO_ROOT, path))) problems.push(`names ${path}, which does not exist`);
  }
  return problems;
}

/**
 * `npx sanity <command>` as the adoption guide prints it: run in the reader's Studio
 * folder, where `sanity` is the Studio's own dependency. The flags each command takes
 * (sanity's CLI reference), and whether it needs a Sanity login.
 */
const STUDIO_COMMANDS: Readonly<Record<string, {flags: readonly string[]; needsAccount: boolean}>> = {
  'schema extract': {
    flags: ['--path', '--workspace', '--enforce-required-fields', '--format'],
    needsAccount: false,
  },
  'documents get': {flags: ['--pretty', '--dataset'], needsAccount: true},
};

export interface Verdict {
  problems: string[];
  /** Set for commands that need a Sanity account (checked statically, never run). */
  needsAccount?: boolean;
}

/**
 * Check one command. `help` holds each npm script's `--help` text (flags after
 * `--` must appear in it).
 */
export function checkCommand(text: string, pkg: PackageJson, help: Map<string, string>): Verdict {
  const problems: string[] = [];
  let needsAccount = false;
  for (const command of splitCommands(text)) {
    const words = command.filter((_w, i) => !(i < command.findIndex((x) => !/^[A-Z][A-Z0-9_]*=/.test(x))));
    const [first, ...args] = words;
    if (!first) continue;
    problems.push(...pathProblems(words));
    if (first === 'node' || first === 'sanity') {
      if (first === 'sanity')
        problems.push(
          '`sanity` is not installed in this repository (@sanity/cli is not a dependency): use npx sanity-run',
        );
      else if (args.some((a) => /\.[cm]?ts$/.test(a)))
        problems.push('`node FILE.ts`: Node 20 refuses .ts files; use an npm script or npx node FILE.ts');
      continue;
    }
    if (first === 'npm') {
      const [sub, ...rest] = args;
      let script: string | undefined;
      let after: string[] = [];
      if (sub === 'run' || sub === 'run-script') {
        script = rest[0];
        const dashdash = rest.indexOf('--');
        const before = dashdash === -1 ? rest.slice(1) : rest.slice(1, dashdash);
        after = dashdash === -1 ? [] : rest.slice(dashdash + 1);
        for (const flag of before.filter((w) => w.startsWith('-')))
          problems.push(`${flag} comes before \`--\`, so npm keeps it and the script never sees it`);
      } else if (sub === 'start' || sub === 'test') {
        script = sub;
        const dashdash = rest.indexOf('--');
        after = dashdash === -1 ? [] : rest.slice(dashdash + 1);
      } else if (!sub || !NPM_BUILTINS.has(sub)) {
        problems.push(`npm ${sub ?? ''}: not an npm command this repository uses`);
      }
      if (script !== undefined) {
        if (!(script in pkg.scripts)) problems.push(`npm script "${script}" does not exist in package.json`);
        else {
          const flags = after.filter((w) => w.startsWith('-')).map(flagName);
          const helpText = help.get(script);
          if (flags.length > 0 && helpText === undefined)
            problems.push(`passes ${flags.join(' ')} to "${script}", which has no --help to check them against`);
          for (const flag of flags)
            if (helpText !== undefined && !new RegExp(`(^|[\\s,\\[])${flag}(?![\\w-])`).test(helpText))
              problems.push(`${flag} is not in \`npm run ${script} -- --help\``);
        }
      }
      continue;
    }
    if (first === 'npx' && args[0] === 'sanity') {
      const rest = args.slice(1);
      const id = rest
        .filter((w) => !w.startsWith('-'))
        .slice(0, 2)
        .join(' ');
      const studio = STUDIO_COMMANDS[id];
      if (!studio) {
        problems.push(
          `\`npx sanity ${id}\` is not a Studio command the docs use (${Object.keys(STUDIO_COMMANDS).join(', ')}); in this repository use npx sanity-run`,
        );
        continue;
      }
      for (const flag of rest.filter((w) => w.startsWith('-')).map(flagName))
        if (!studio.flags.includes(flag)) problems.push(`${flag} is not a flag of \`sanity ${id}\``);
      if (studio.needsAccount) needsAccount = true;
      continue;
    }
    const bin =
      first === 'npx'
        ? args.find((a) => !a.startsWith('-'))
        : first.startsWith('node_modules/.bin/')
          ? first.slice('node_modules/.bin/'.length)
          : undefined;
    if (bin === undefined) {
      if (first !== 'node' && existsSync(join(REPO_ROOT, 'node_modules/.bin', first)))
        problems.push(`${first} is not on PATH in a shell: use npx ${first}`);
      continue; // otherwise a command of the system (curl, export, sudo, git, ...): paths only
    }
    if (!existsSync(join(REPO_ROOT, 'node_modules/.bin', bin))) {
      problems.push(`${bin} is not in node_modules/.bin`);
      continue;
    }
    if (!manifests.has(bin)) manifests.set(bin, oclifManifest(bin));
    const manifest = manifests.get(bin);
    if (!manifest) continue;
    const binArgs = first === 'npx' ? args.slice(args.indexOf(bin) + 1) : args;
    const positionals = binArgs.filter((w) => !w.startsWith('-'));
    if (positionals.length === 0) continue; // the bin alone prints its help
    let id = '';
    for (let n = positionals.length; n > 0; n--) {
      const candidate = positionals.slice(0, n).join(':');
      if (manifest.commands[candidate]) {
        id = candidate;
        break;
      }
    }
    if (!id) {
      problems.push(`\`${bin} ${positionals.slice(0, 2).join(' ')}\` is not a ${bin} command`);
      continue;
    }
    if (!OFFLINE_SANITY_COMMANDS.has(id)) needsAccount = true;
    const known = manifest.commands[id]!.flags ?? {};
    const shorts = new Set(Object.values(known).map((f) => f.char));
    for (const flag of binArgs.filter((w) => w.startsWith('-')).map(flagName)) {
      const ok = flag.startsWith('--') ? flag.slice(2) in known || flag === '--help' : shorts.has(flag.slice(1));
      if (!ok) problems.push(`${flag} is not a flag of \`${bin} ${id.replaceAll(':', ' ')}\``);
    }
  }
  return {problems, ...(needsAccount ? {needsAccount} : {})};
}
