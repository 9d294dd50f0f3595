#!/usr/bin/env node
'use strict';

/*
 * todo — a tiny command line task list stored in ~/.todo.json
 *
 *   todo add "buy milk"
 *   todo list [--all]
 *   todo done 3
 *   todo rm 3
 */

const fs = require('fs');
const os = require('os');
const path = require('path');

const STORE = process.env.TODO_FILE || path.join(os.homedir(), '.todo.json');

function load() {
  try {
    return JSON.parse(fs.readFileSync(STORE, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return { nextId: 1, items: [] };
    throw err;
  }
}

function save(db) {
  const tmp = `${STORE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(db, null, 2));
  fs.renameSync(tmp, STORE);
}

function findItem(db, id) {
  const item = db.items.find((t) => t.id === Number(id));
  if (!item) {
    console.error(`todo: no item with id ${id}`);
    process.exit(1);
  }
  return item;
}

const commands = {
  add(db, words) {
    const text = words.join(' ').trim();
    if (!text) throw new Error('nothing to add');
    const item = { id: db.nextId++, text, done: false, created: new Date().toISOString() };
    db.items.push(item);
    console.log(`added #${item.id}`);
    return true;
  },
  list(db, args) {
    const showAll = args.includes('--all');
    const items = db.items.filter((t) => showAll || !t.done);
    if (items.length === 0) console.log('nothing to do 🎉');
    for (const t of items) {
      console.log(`${String(t.id).padStart(3)} [${t.done ? 'x' : ' '}] ${t.text}`);
    }
    return false;
  },
  done(db, [id]) {
    findItem(db, id).done = true;
    return true;
  },
  rm(db, [id]) {
    const item = findItem(db, id);
    db.items = db.items.filter((t) => t !== item);
    return true;
  },
};

function main(argv) {
  const [cmd = 'list', ...rest] = argv;
  const handler = commands[cmd];
  if (!handler) {
    console.error(`usage: todo <${Object.keys(commands).join('|')}> [args]`);
    return 2;
  }
  const db = load();
  if (handler(db, rest)) save(db);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`todo: ${err.message}`);
  process.exitCode = 1;
}
