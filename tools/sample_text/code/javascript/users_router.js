'use strict';

const express = require('express');
const { body, param, validationResult } = require('express-validator');
const db = require('../db');
const requireAuth = require('../middleware/requireAuth');

const router = express.Router();

function handleValidation(req, res, next) {
  const errors = validationResult(req);
  if (!errors.isEmpty()) {
    return res.status(422).json({ errors: errors.array() });
  }
  return next();
}

// GET /users?limit=20&offset=0
router.get('/', requireAuth, async (req, res, next) => {
  const limit = Math.min(parseInt(req.query.limit, 10) || 20, 100);
  const offset = parseInt(req.query.offset, 10) || 0;
  try {
    const { rows } = await db.query(
      'SELECT id, name, email, created_at FROM users ORDER BY id LIMIT $1 OFFSET $2',
      [limit, offset],
    );
    res.json({ data: rows, limit, offset });
  } catch (err) {
    next(err);
  }
});

router.get('/:id', requireAuth, param('id').isInt(), handleValidation, async (req, res, next) => {
  try {
    const { rows } = await db.query('SELECT id, name, email FROM users WHERE id = $1', [req.params.id]);
    if (rows.length === 0) {
      return res.status(404).json({ error: 'User not found' });
    }
    return res.json(rows[0]);
  } catch (err) {
    return next(err);
  }
});

router.post(
  '/',
  body('email').isEmail().normalizeEmail(),
  body('name').trim().isLength({ min: 1, max: 80 }),
  handleValidation,
  async (req, res, next) => {
    const { name, email } = req.body;
    try {
      const { rows } = await db.query(
        'INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, name, email',
        [name, email],
      );
      res.status(201).location(`${req.baseUrl}/${rows[0].id}`).json(rows[0]);
    } catch (err) {
      if (err.code === '23505') {
        return res.status(409).json({ error: 'Email already registered' });
      }
      return next(err);
    }
  },
);

router.delete('/:id', requireAuth, param('id').isInt(), handleValidation, async (req, res, next) => {
  if (String(req.user.id) !== req.params.id && !req.user.isAdmin) {
    return res.status(403).json({ error: 'Forbidden' });
  }
  try {
    const { rowCount } = await db.query('DELETE FROM users WHERE id = $1', [req.params.id]);
    return rowCount ? res.status(204).end() : res.status(404).json({ error: 'User not found' });
  } catch (err) {
    return next(err);
  }
});

module.exports = router;
