import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/** The repository's `docs/` folder. */
export const DOCS = new URL('../../docs/', import.meta.url);

/** A file under `docs/`, as text. */
export const readDoc = (path: string): string => readFileSync(new URL(path, DOCS), 'utf8');

/**
 * Registers the checks every guide with examples keeps: each `.ts` file of `docs/<dir>` is shown
 * once, exactly as it is (as "From [`<dir>x.ts`](<dir>x.ts):" then a ```ts block), and every
 * relative link of the page points to a file that exists. `dir` is '' or ends with '/'.
 */
export function checkGuide(page: string, dir: string): void {
  const text = readDoc(page);
  const escaped = dir.replace(/[/]/g, '\\/');
  const pattern = new RegExp(
    `\\[\`${escaped}([\\w-]+\\.ts)\`\\]\\(${escaped}\\1\\):?\\n+\`\`\`ts\\n([\\s\\S]*?)\`\`\``,
    'g',
  );
  const shown = [...text.matchAll(pattern)].map(([, file, code]) => ({
    file: file as string,
    code: code as string,
  }));

  it(`shows every file of docs/${dir}, once, exactly as it is`, () => {
    const files = readdirSync(new URL(dir, DOCS)).filter((f) => f.endsWith('.ts'));
    expect(shown.map((s) => s.file).sort()).toEqual(files.sort());
    for (const { file, code } of shown) expect(code, file).toBe(readDoc(`${dir}${file}`));
  });

  it('links only to files that exist', () => {
    const links = [...text.matchAll(/\]\((?!https?:)([^)#]+)/g)].map(([, target]) => target as string);
    expect(links.length).toBeGreaterThan(0);
    for (const target of links) expect(existsSync(new URL(target, DOCS)), target).toBe(true);
  });
}
