// Where a Python file has its `if __name__ == "__main__":` guard (the CodeLens "Run with mpscope"
// sits above it). A line scan is enough: the guard is a top-level statement by convention, and a
// string or comment that merely looks like one does not start at column 0 with `if`.

const GUARD =
  /^if\s+(?:\(\s*)?(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)(?:\s*\))?\s*:/;

/** 1-based lines of top-level main guards. Lines inside triple-quoted strings are skipped. */
export function findMainGuards(text: string): number[] {
  const out: number[] = [];
  let inString: string | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    if (!inString && GUARD.test(line)) out.push(i + 1);
    // Track triple-quoted strings, so a docstring that shows the guard is not a guard.
    const re = /("""|''')/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line))) {
      if (!inString) inString = m[1];
      else if (inString === m[1]) inString = undefined;
    }
  });
  return out;
}
