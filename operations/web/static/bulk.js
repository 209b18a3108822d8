// "Tick every divergence of this page": the header's box ticks or clears the rows' boxes.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("tick-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll('input[name="ids"][form="bulk"]').forEach((box) => { box.checked = all.checked; });
  });
});
