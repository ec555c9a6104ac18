# R's side of bench/survey_estimation.py (and tests/surveys/projects/test_bench_comparison.py).
# Usage: Rscript survey_estimation.R DATA.csv MARGINS.csv ESTIMATES.csv WEIGHTS.csv MAXIT EPSILON
# DATA: locality, age, sex, weight, fpc, then the items (raw codes; 8 and 9 are missing, blank is NA).
# MARGINS: variable, category, population (the raking margins age, sex, locality).
# Times the same steps as ours, inside R (reading the CSV excluded): recode 8/9, svydesign, rake, then per item
# svymean and svyby(~item, ~locality, design, svymean, na.rm = TRUE).
# Prints "R_TIMING <rake s> <total s> <rake CPU s> <total CPU s>" (wall clock, then CPU time of the R process).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], na.strings = "",
                 colClasses = c(locality = "character", age = "character", sex = "character",
                                weight = "numeric", fpc = "numeric"))
margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
maxit <- as.numeric(args[5])
epsilon <- as.numeric(args[6])
items <- setdiff(names(data), c("locality", "age", "sex", "weight", "fpc"))
poptable <- function(v) {
  m <- margins[margins$variable == v, , drop = FALSE]
  pt <- data.frame(m$category, m$population, stringsAsFactors = FALSE)
  names(pt) <- c(v, "Freq")
  pt
}
pops <- list(poptable("age"), poptable("sex"), poptable("locality"))
invisible(gc())

started <- Sys.time()
cpu_started <- proc.time()
for (v in items) data[[v]][data[[v]] %in% c(8, 9)] <- NA
d <- svydesign(ids = ~1, strata = ~locality, weights = ~weight, fpc = ~fpc, data = data)
d <- rake(d, list(~age, ~sex, ~locality), pops, control = list(maxit = maxit, epsilon = epsilon))
raked <- Sys.time()
cpu_raked <- proc.time()
res <- vector("list", length(items))
for (k in seq_along(items)) {
  fm <- as.formula(paste0("~", items[k]))
  m <- svymean(fm, d, na.rm = TRUE)
  b <- svyby(fm, ~locality, d, svymean, na.rm = TRUE)
  res[[k]] <- list(item = items[k], domain = c("", as.character(b$locality)),
                   estimate = c(coef(m)[[1]], unname(coef(b))), se = c(SE(m)[[1]], unname(SE(b))))
}
finished <- Sys.time()
cpu_finished <- proc.time()

cpu <- function(t) sum(t[c("user.self", "sys.self")] - cpu_started[c("user.self", "sys.self")])
cat(sprintf("R_TIMING %.6f %.6f %.6f %.6f\n", as.numeric(difftime(raked, started, units = "secs")),
            as.numeric(difftime(finished, started, units = "secs")), cpu(cpu_raked), cpu(cpu_finished)))
out <- do.call(rbind, lapply(res, function(r) data.frame(
  item = r$item, domain = r$domain, estimate = sprintf("%.17g", r$estimate), se = sprintf("%.17g", r$se))))
write.csv(out, args[3], row.names = FALSE)
write.csv(data.frame(weight = sprintf("%.17g", weights(d))), args[4], row.names = FALSE)
