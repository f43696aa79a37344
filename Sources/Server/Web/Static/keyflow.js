// Keyflow's pages run only this file (the Content-Security-Policy allows no inline code).
// Everything it needs from a page is in data-* attributes, which are data, never code.
'use strict';

// Buttons that open a dialog, buttons that close theirs, and a dialog that opens itself
// (the Add dialog comes back open when what was typed did not validate).
document.querySelectorAll('[data-opens-dialog]').forEach(button => {
  button.addEventListener('click', () => document.getElementById(button.dataset.opensDialog).showModal());
});
document.querySelectorAll('[data-closes-dialog]').forEach(button => {
  button.addEventListener('click', () => button.closest('dialog').close());
});

// Forms that ask first (Remove): the question is text from the page, shown as text.
document.querySelectorAll('form[data-confirm]').forEach(form => {
  form.addEventListener('submit', event => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// The Add dialog: each kind's option lists the fields it shows and its callback URL.
const kind = document.getElementById('kind');
if (kind) {
  const showFields = () => {
    const option = kind.selectedOptions[0];
    if (!option) return;
    const shown = option.dataset.fields.split(' ');
    document.querySelectorAll('#add-dialog .field').forEach(div => {
      div.hidden = !shown.includes(div.dataset.field);
    });
    document.getElementById('callback').value = option.dataset.callback;
    // Kinds without a user login (client credentials, API keys) have no callback to register.
    document.getElementById('callback-field').hidden = !option.dataset.callback;
  };
  kind.addEventListener('change', showFields);
  showFields();
}

// An APICall's OAuth dropdown: "+ Add New" opens the Add dialog in place; any other choice
// saves the agent.
document.querySelectorAll('select.oauth-choice').forEach(select => {
  const previous = select.value;
  select.addEventListener('change', () => {
    if (select.value === 'add_new') {
      select.value = previous;
      document.getElementById('attach-component').value = select.dataset.component;
      document.getElementById('add-dialog').showModal();
    } else {
      select.form.submit();
    }
  });
});

document.querySelectorAll('dialog[data-open-on-load]').forEach(dialog => dialog.showModal());

// A login's interstitial page: go on to the provider at once, without keeping this page in
// the history. Only web links are followed.
document.querySelectorAll('a[data-follow-at-once]').forEach(link => {
  if (link.protocol === 'https:' || link.protocol === 'http:') window.location.replace(link.href);
});
