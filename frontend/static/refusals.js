// refusal says in the analyst's words why the server refused a change to
// a span: the API's error code and fields, not its log-style message.
// what is the action ("Span not saved"); label is the label's name, when
// the action concerns one. Pure: no DOM.
export function refusal(what, e, label) {
  const f = (e && e.fields) || {};
  const status = e ? e.status : 0;
  const lbl = label ? "“" + label + "”" : "this label";
  let why;
  if (status === 409) why = "you already have a " + lbl + " span on exactly this passage.";
  else if (status === 422 && f.label) why = "the label " + lbl + " is no longer in this project (an admin may have changed the labels); reload the page to get the current labels.";
  else if (status === 422 && f.text) why = "the article's text on the server differs from this page; reload the page.";
  else if (status === 422 && (f.start || f.end)) why = "the passage is outside the article's text.";
  else if (status === 422 && f.note) why = "the note " + f.note + ".";
  else if (status === 404) why = "the span, its label or the article was deleted meanwhile; reload the page.";
  else if (status === 403) why = "only the span's annotator or an admin may change it.";
  else if (status === 401) why = "your session has ended; log in again.";
  else if (status === 429) why = "too many requests at once; wait a moment and try again.";
  else if (status === 0 && e && e.code === "http_0") why = "the server could not be reached; check the connection and try again.";
  else if (status >= 500) why = "the server failed (its log has the details); try again.";
  else why = e && e.describe ? e.describe() : String(e);
  return what + ": " + why;
}
