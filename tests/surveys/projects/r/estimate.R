# Reference estimates from R's survey package for tests/surveys (run by tests/surveys/projects/rsurvey.py).
# Usage: Rscript estimate.R DATA.csv SPECS.csv MARGINS.csv OUT.csv
# DATA: a column `design` plus the variables of all designs (read as text).
# SPECS: one row per design: design, strata, cluster, weight, fpc (column names or empty), calib
#   (none | poststrat | rake), numeric, factor (variables separated by |), by, maxit, epsilon, lonely
#   (survey.lonely.psu, empty = "fail"), adjust_domain (survey.adjust.domain.lonely, TRUE/FALSE), quantiles
#   (probabilities separated by |, for the numeric variables), levels (declared factor levels:
#   var=l1,l2;var2=...; a factor without them has the sorted values it takes).
# MARGINS: design, margin (variables joined by +), cell (values joined by |), Freq.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character", na.strings = "")
specs <- read.csv(args[2], colClasses = "character", na.strings = character(0))
margins <- read.csv(args[3], colClasses = "character", na.strings = character(0))
out <- list()
emit <- function(design, stat, variable, domain, category, estimate, se = NA, lower = NA, upper = NA) {
  out[[length(out) + 1]] <<- data.frame(
    design = design, stat = stat, variable = variable, domain = domain, category = category,
    estimate = sprintf("%.17g", estimate), se = sprintf("%.17g", se),
    ci_lower = sprintf("%.17g", lower), ci_upper = sprintf("%.17g", upper))
}
# svyciprop(method = "beta") (Korn-Graubard); for a share of exactly 0 or 1, where R's n.eff is 0/0, the
# same formula with n.eff = the respondents (a design effect of 1), as the platform does (decision 0023).
kg <- function(des, v, lvl) {
  ind <- des$variables[[v]] == lvl
  ok <- !is.na(ind) & weights(des) > 0
  n <- sum(ok); pos <- sum(ind[ok]); alpha <- 0.05
  if (pos == 0 || pos == n) {
    p <- if (pos == 0) 0 else 1
    n.eff <- n * (qt(alpha / 2, nrow(des) - 1) / qt(alpha / 2, degf(des)))^2
    return(list(boundary = TRUE, p = p, ci = c(qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1),
                                                qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p)))))
  }
  b <- svyciprop(as.formula(paste0("~I(", v, " == '", lvl, "')")), des, method = "beta", na.rm = TRUE)
  list(boundary = FALSE, p = NA, ci = as.numeric(attr(b, "ci")))
}
split_bar <- function(s) if (is.na(s) || s == "") character(0) else strsplit(s, "|", fixed = TRUE)[[1]]
for (k in seq_len(nrow(specs))) {
  sp <- specs[k, ]
  id <- sp$design
  opt <- function(name, default) if (is.null(sp[[name]]) || is.na(sp[[name]]) || sp[[name]] == "") default else sp[[name]]
  options(survey.lonely.psu = opt("lonely", "fail"), survey.adjust.domain.lonely = opt("adjust_domain", "FALSE") == "TRUE")
  quantiles <- split_bar(opt("quantiles", ""))
  declared <- list()
  for (part in strsplit(opt("levels", ""), ";", fixed = TRUE)[[1]]) {
    kv <- strsplit(part, "=", fixed = TRUE)[[1]]
    declared[[kv[1]]] <- strsplit(kv[2], ",", fixed = TRUE)[[1]]
  }
  df <- data[data$design == id, , drop = FALSE]
  numeric_vars <- split_bar(sp$numeric)
  factor_vars <- split_bar(sp$factor)
  for (v in numeric_vars) df[[v]] <- as.numeric(df[[v]])
  for (v in c(sp$weight, sp$fpc)) if (v != "") df[[v]] <- as.numeric(df[[v]])
  for (v in factor_vars) df[[v]] <- factor(df[[v]], levels = if (is.null(declared[[v]]))
    sort(unique(df[[v]][!is.na(df[[v]])]), method = "radix") else declared[[v]])
  f <- function(s) if (s == "") NULL else as.formula(paste0("~", s))
  ids <- if (sp$cluster == "") ~1 else f(sp$cluster)
  d <- svydesign(ids = ids, strata = f(sp$strata), weights = f(sp$weight), fpc = f(sp$fpc),
                 data = df, nest = TRUE)
  mrg <- margins[margins$design == id, , drop = FALSE]
  poptable <- function(m) {
    rows <- mrg[mrg$margin == m, , drop = FALSE]
    vars <- strsplit(m, "+", fixed = TRUE)[[1]]
    cells <- do.call(rbind, strsplit(rows$cell, "|", fixed = TRUE))
    pt <- as.data.frame(cells, stringsAsFactors = FALSE)
    names(pt) <- vars
    pt$Freq <- as.numeric(rows$Freq)
    pt
  }
  if (sp$calib == "poststrat") {
    m <- unique(mrg$margin)
    d <- postStratify(d, as.formula(paste0("~", m)), poptable(m))
  } else if (sp$calib == "rake") {
    ms <- unique(mrg$margin)
    d <- rake(d, lapply(ms, function(m) as.formula(paste0("~", m))), lapply(ms, poptable),
              control = list(maxit = as.numeric(sp$maxit), epsilon = as.numeric(sp$epsilon)))
  }
  w <- weights(d)
  for (i in seq_along(w)) emit(id, "weight", "", "", as.character(i), w[i])
  emit(id, "degf", "", "", "", degf(d))
  for (v in numeric_vars) {
    fm <- as.formula(paste0("~", v))
    m <- svymean(fm, d, na.rm = TRUE); ci <- confint(m)
    emit(id, "mean", v, "", "", coef(m)[1], SE(m)[1], ci[1, 1], ci[1, 2])
    t <- svytotal(fm, d, na.rm = TRUE); ci <- confint(t)
    emit(id, "total", v, "", "", coef(t)[1], SE(t)[1], ci[1, 1], ci[1, 2])
    for (qs in quantiles) {
      qdoms <- list(list(name = "", design = d))
      if (sp$by != "") for (b in sort(unique(df[[sp$by]]), method = "radix"))
        qdoms[[length(qdoms) + 1]] <- list(name = b, design = d[!is.na(df[[sp$by]]) & df[[sp$by]] == b, ])
      for (dm in qdoms) {
        r <- svyquantile(fm, dm$design, as.numeric(qs), na.rm = TRUE)[[1]]
        emit(id, "quantile", v, dm$name, qs, r[1, 1], r[1, 4], r[1, 2], r[1, 3])
      }
    }
    if (sp$by != "") {
      bf <- as.formula(paste0("~", sp$by))
      for (fun in c("mean", "total")) {
        b <- svyby(fm, bf, d, if (fun == "mean") svymean else svytotal, na.rm = TRUE)
        ci <- confint(b)
        for (j in seq_len(nrow(b))) emit(id, fun, v, as.character(b[[sp$by]][j]), "", coef(b)[j], SE(b)[j],
                                         ci[j, 1], ci[j, 2])
      }
    }
  }
  for (v in factor_vars) {
    fm <- as.formula(paste0("~", v))
    doms <- list(list(name = "", design = d))
    if (sp$by != "") for (b in sort(unique(df[[sp$by]]), method = "radix"))
      doms[[length(doms) + 1]] <- list(name = b, design = d[!is.na(df[[sp$by]]) & df[[sp$by]] == b, ])
    for (dm in doms) {
      m <- svymean(fm, dm$design, na.rm = TRUE)
      for (lvl in levels(df[[v]])) {
        p <- svyciprop(as.formula(paste0("~I(", v, " == '", lvl, "')")), dm$design, method = "logit", na.rm = TRUE)
        ci <- attr(p, "ci")
        beta <- kg(dm$design, v, lvl)
        estimate <- as.numeric(p)
        if (beta$boundary) { ci <- beta$ci; estimate <- beta$p }  # the logit interval has zero width there
        j <- match(paste0(v, lvl), names(coef(m)))
        emit(id, "proportion", v, dm$name, lvl, coef(m)[j], SE(m)[j], ci[1], ci[2])
        emit(id, "ciprop", v, dm$name, lvl, estimate, sqrt(attr(p, "var")), ci[1], ci[2])
        emit(id, "beta", v, dm$name, lvl, coef(m)[j], NA, beta$ci[1], beta$ci[2])
      }
    }
  }
}
write.csv(do.call(rbind, out), args[4], row.names = FALSE, quote = TRUE)
