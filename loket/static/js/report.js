// The report pages' "Cetak" button: the browser's print dialog (the print stylesheet does the rest).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
