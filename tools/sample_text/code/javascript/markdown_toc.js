#!/usr/bin/env node
// Generate a table of contents for a Markdown file and insert it between
// <!-- toc --> and <!-- tocstop --> markers.

const fs = require('fs');

const START = '<!-- toc -->';
const END = '<!-- tocstop -->';

function slug(text, seen) {
  let base = text
    .toLowerCase()
    .replace(/[`*_~[\]()]/g, '')
    .replace(/[^\w\- ]+/g, '')
    .trim()
    .replace(/\s/g, '-');
  const count = seen.get(base) || 0;
  seen.set(base, count + 1);
  return count ? `${base}-${count}` : base;
}

function headings(markdown, maxDepth) {
  const out = [];
  const seen = new Map();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const level = m[1].length;
    if (level > maxDepth) continue;
    out.push({ level, text: m[2], anchor: slug(m[2], seen) });
  }
  return out;
}

function buildToc(items) {
  const minLevel = Math.min(...items.map((h) => h.level));
  return items
    .map((h) => `${'  '.repeat(h.level - minLevel)}- [${h.text}](#${h.anchor})`)
    .join('\n');
}

function updateFile(file, maxDepth = 3) {
  const src = fs.readFileSync(file, 'utf8');
  const start = src.indexOf(START);
  const end = src.indexOf(END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`${file}: missing ${START} / ${END} markers`);
  }
  const body = src.slice(end + END.length);
  const toc = buildToc(headings(body, maxDepth));
  const updated = `${src.slice(0, start + START.length)}\n\n${toc}\n\n${src.slice(end)}`;
  if (updated !== src) {
    fs.writeFileSync(file, updated);
    return true;
  }
  return false;
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: markdown_toc.js FILE.md [...]');
    process.exit(2);
  }
  for (const f of files) {
    console.log(`${updateFile(f) ? 'updated' : 'unchanged'}  ${f}`);
  }
}

module.exports = { headings, buildToc, updateFile };
