"""Data exchange with the region (issue 17): the school's OneRoster 1.2 package (CSV binding)
for the director and the API, and its scheduled upload to the regional system (seed 001,
step 17: «Выгрузка данных в РИД — регулярно, автоматическая отправка данных»)."""
