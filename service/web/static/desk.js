// The desk's one script: a passage selected in the held text becomes a quote of a claim. The
// quote's span is read from the offsets the page gives each piece of the text (data-start), so
// the words are exactly the source's. Without it, a quote can still be typed in its field.
(function () {
  "use strict";
  var text = document.getElementById("source-text");
  if (!text) return;

  // The offset in the held text of a point of the selection (a text node and an offset in it).
  function offsetOf(node, offset) {
    var piece = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (node.nodeType !== Node.TEXT_NODE) {
      // A point between elements: the start of the child it stands before.
      var child = node.childNodes[offset];
      if (child && child.nodeType === Node.ELEMENT_NODE && child.dataset.start) return Number(child.dataset.start);
      if (child && child.parentElement && child.parentElement.dataset.start) return Number(child.parentElement.dataset.start);
      return offset === 0 ? 0 : Number(text.dataset.length);
    }
    var start = piece && piece.closest("[data-start]");
    return start && text.contains(start) ? Number(start.dataset.start) + offset : null;
  }

  function selected() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end, words: range.toString() };
  }

  var last = null;
  // Pressing the button moves focus, and some browsers clear the selection before the click:
  // the last selection made in the text is kept.
  document.addEventListener("selectionchange", function () {
    var now = selected();
    if (now) last = now;
  });

  document.querySelectorAll("button.take-quote").forEach(function (button) {
    button.addEventListener("click", function () {
      var ref = button.dataset.ref;
      var status = document.getElementById(ref + "-quote-status");
      var span = selected() || last;
      if (!span) {
        status.textContent = "Select the quoted words in the text first.";
        return;
      }
      var words = span.words.trim();
      var list = document.getElementById(ref + "-quote-list");
      var count = list.querySelectorAll("input[name='" + ref + "-quotes']").length;
      var paragraph = document.createElement("p");
      var label = document.createElement("label");
      label.className = "visually-hidden";
      label.htmlFor = ref + "-quote-taken-" + count;
      label.textContent = "Quote taken from the text";
      var input = document.createElement("input");
      input.id = ref + "-quote-taken-" + count;
      input.name = ref + "-quotes";
      input.value = words;
      paragraph.appendChild(label);
      paragraph.appendChild(input);
      list.insertBefore(paragraph, document.getElementById(ref + "-quote-new").parentElement);
      status.textContent = "Quote added: characters " + span.start + " to " + span.end + " of the text.";
      last = null;
    });
  });
})();
