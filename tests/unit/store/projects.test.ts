import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../../../src/api/errors.ts';
import { tempWorkspace } from './temp-workspace.ts';

const CLASSES = [
  { name: 'background', color: '#000000' },
  { name: 'cell', color: '#ff0000' },
];

test('create numbers classes 0..n-1, and get, byName and list return the same project', (t) => {
  const ws = tempWorkspace(t);
  const created = ws.projects.create('  cells ', CLASSES);
  assert.equal(created.name, 'cells');
  assert.deepEqual(created.classes, [
    { index: 0, name: 'background', color: '#000000' },
    { index: 1, name: 'cell', color: '#ff0000' },
  ]);
  assert.equal(created.imageCount, 0);
  assert.equal(created.labeledCount, 0);
  assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(ws.projects.get(created.id), created);
  assert.deepEqual(ws.projects.byName('cells'), created);
  assert.equal(ws.projects.get(created.id + 100), null);
  assert.equal(ws.projects.byName('nope'), null);

  const other = ws.projects.create('Astro', [{ name: 'sky', color: '#0000ff' }]);
  assert.deepEqual(ws.projects.list(), [other, created]);
});

test('a duplicate project name is refused and creates nothing', (t) => {
  const ws = tempWorkspace(t);
  ws.projects.create('cells', CLASSES);
  assert.throws(() => ws.projects.create('cells', []), /a project named "cells" already exists/);
  assert.equal(ws.projects.list().length, 1);
});

test('bad classes are refused with the reason', (t) => {
  const ws = tempWorkspace(t);
  assert.throws(() => ws.projects.create('a', [{ name: 'x', color: 'red' }]), /colour "red", expected #rrggbb/);
  assert.throws(() => ws.projects.create('a', [{ name: 'x', color: '#000000' }, { name: 'x ', color: '#111111' }]), /"x" is used twice/);
  assert.throws(() => ws.projects.create('a', [{ name: ' ', color: '#000000' }]), /class 0 has an empty name/);
  assert.throws(() => ws.projects.create('a', Array.from({ length: 256 }, (_, i) => ({ name: `c${i}`, color: '#000000' }))), /at most 255 classes/);
  assert.throws(() => ws.projects.create(' ', CLASSES), /name must not be empty/);
  assert.deepEqual(ws.projects.list(), []);
});

test('setClasses replaces the class list, requires indexes 0..n-1, and names a missing project', (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('cells', CLASSES);
  const updated = ws.projects.setClasses(project.id, [
    { index: 2, name: 'nucleus', color: '#00ff00' },
    { index: 0, name: 'background', color: '#000000' },
    { index: 1, name: 'membrane', color: '#ff00ff' },
  ]);
  assert.deepEqual(updated.classes.map((c) => [c.index, c.name]), [[0, 'background'], [1, 'membrane'], [2, 'nucleus']]);
  assert.deepEqual(ws.projects.get(project.id), updated);
  assert.throws(() => ws.projects.setClasses(project.id, [{ index: 1, name: 'x', color: '#000000' }]), /indexes must be 0..0 without gaps; got 1/);
  assert.throws(() => ws.projects.setClasses(project.id + 1, []), NotFoundError);
  assert.equal(ws.projects.get(project.id)!.classes.length, 3);
});
