// Progressive enhancement only: the page works without it.
// Changing the time preset or the ordering submits the search at once.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.id === "rentang") {
      document.getElementById("from").value = "";
      document.getElementById("to").value = "";
    }
    select.form.submit();
  });
});
