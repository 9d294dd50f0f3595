// Client-side validation for the signup form. Server-side checks still apply.

const rules = {
  username: [
    (v) => v.length >= 3 || 'Username must be at least 3 characters',
    (v) => /^[a-z0-9_]+$/i.test(v) || 'Only letters, numbers and underscores',
  ],
  email: [(v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) || 'Enter a valid email address'],
  password: [
    (v) => v.length >= 10 || 'Password must be at least 10 characters',
    (v) => /[A-Z]/.test(v) || 'Include an uppercase letter',
    (v) => /\d/.test(v) || 'Include a number',
  ],
  confirm: [(v, form) => v === form.password.value || 'Passwords do not match'],
};

function validateField(form, input) {
  const checks = rules[input.name] || [];
  const value = input.value.trim();
  for (const check of checks) {
    const result = check(value, form);
    if (result !== true) return result;
  }
  return null;
}

function showError(input, message) {
  const errorEl = document.getElementById(`${input.id}-error`);
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.classList.toggle('is-invalid', Boolean(message));
  if (errorEl) errorEl.textContent = message || '';
}

function validateForm(form) {
  let firstInvalid = null;
  for (const input of form.querySelectorAll('input[name]')) {
    const message = validateField(form, input);
    showError(input, message);
    if (message && !firstInvalid) firstInvalid = input;
  }
  return firstInvalid;
}

document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('#signup-form');
  if (!form) return;

  form.addEventListener('blur', (event) => {
    if (event.target.matches('input[name]')) {
      showError(event.target, validateField(form, event.target));
    }
  }, true);

  form.addEventListener('submit', (event) => {
    const invalid = validateForm(form);
    if (invalid) {
      event.preventDefault();
      invalid.focus();
    } else {
      form.querySelector('button[type=submit]').disabled = true;
    }
  });
});
