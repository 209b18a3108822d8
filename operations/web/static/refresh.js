// The streams page refreshes itself every 10 seconds while "refresh" is ticked (untick it to read
// at leisure: an automatic refresh a person cannot stop is an accessibility failure).
(function () {
  var box = document.getElementById("auto-refresh");
  if (!box) { return; }
  box.checked = sessionStorage.getItem("streams-refresh") !== "off";
  box.addEventListener("change", function () { sessionStorage.setItem("streams-refresh", box.checked ? "on" : "off"); });
  setInterval(function () { if (box.checked) { window.location.reload(); } }, 10000);
})();
