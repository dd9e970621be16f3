/* The editors' preview's Python, off the page's main thread (a module worker, as Pyodide
   needs): Pyodide runs the build's own Markdown and typography (generator/preview.py, shipped
   in khabar-preview.zip) and answers khabar-cms.js's requests. Starting Pyodide takes seconds
   of CPU; here the editor can type meanwhile.
   In:  {start: {pyodide, preview}} once, then {id, kind: "body"|"text", text, lang, path}
        (the id is the asker's; it comes back with the answer).
   Out: {ready: true} or {failed: message}; then {id, html} or {id, error, fatal}. */
"use strict";
var preview = null;

function start(where) {
  return import(where.pyodide + "pyodide.mjs").then(function (pyodide) {
    return pyodide.loadPyodide({ indexURL: where.pyodide });
  }).then(function (py) {
    return fetch(where.preview, { credentials: "same-origin" }).then(function (answer) {
      if (!answer.ok) throw new Error(where.preview + ": HTTP " + answer.status);
      return answer.arrayBuffer();
    }).then(function (data) {
      py.unpackArchive(data, "zip", { extractDir: "/khabar" });
      // A worker's stack is shallower than CPython's: a Python RecursionError (one text
      // fails) must come before the WebAssembly stack runs out (Pyodide dies).
      py.runPython("import sys; sys.path.insert(0, '/khabar'); sys.setrecursionlimit(400)");
      return py.pyimport("generator.preview");
    });
  });
}

self.onmessage = function (event) {
  var job = event.data;
  if (job.start) {
    start(job.start).then(function (module) {
      preview = module;
      self.postMessage({ ready: true });
    }, function (error) {
      self.postMessage({ failed: String(error) });
    });
    return;
  }
  try {
    var html = job.kind === "body"
      ? preview.body(job.text, job.lang, job.path)
      : preview.text(job.text, job.lang);
    self.postMessage({ id: job.id, html: html });
  } catch (error) {
    self.postMessage({ id: job.id, error: String(error), fatal: Boolean(error && error.pyodide_fatal_error) });
  }
};
