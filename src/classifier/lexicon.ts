/**
 * Vocabulary classes. They are the part of the model that generalises beyond
 * the dev set: the dev data only shows a few hundred tool and language names,
 * real traffic shows thousands ("nginx config for two subdomains", "bump the
 * lockfile"). Each class becomes one dense feature (a count), so a word the
 * training data never saw still moves the decision.
 *
 * Entries are lower-case; multi-word entries (max 3 words) match consecutive
 * tokens. Keep ambiguous everyday words ("list", "table", "test") out.
 */
import { combine } from "./hash.js"
import { makeTokens, tokenize } from "./tokenize.js"

export const LEX = {
  lang: 1 << 0,
  tool: 1 << 1,
  devNoun: 1 << 2,
  devVerb: 1 << 3,
  math: 1 << 4,
  logic: 1 << 5,
  constraint: 1 << 6,
  business: 1 << 7,
  writing: 1 << 8,
  assistant: 1 << 9,
  chat: 1 << 10,
  conceptQ: 1 << 11,
  quantQ: 1 << 12,
  prove: 1 << 13,
  stepByStep: 1 << 14,
  premise: 1 << 15,
  dateWord: 1 << 16,
  codeKeyword: 1 << 17,
  reqVerb: 1 << 18,
  codeArtifact: 1 << 19,
  prep: 1 << 20,
  howTo: 1 << 21,
  estimate: 1 << 22,
  puzzle: 1 << 23,
  decision: 1 << 24
} as const
export type LexClass = keyof typeof LEX
export const LEX_CLASSES = Object.keys(LEX) as ReadonlyArray<LexClass>

const words = (s: string): ReadonlyArray<string> => s.split(",").map((w) => w.trim()).filter((w) => w.length > 0)

const ENTRIES: Record<LexClass, ReadonlyArray<string>> = {
  lang: words(`python, javascript, typescript, java, cpp, c++, c#, csharp, golang, rust, ruby, php, swift, kotlin,
    scala, haskell, perl, lua, matlab, julia, elixir, erlang, clojure, ocaml, fortran, cobol, assembly, asm, dart,
    sql, mysql, postgres, postgresql, sqlite, plsql, tsql, nosql, bash, zsh, powershell, shell script, html, css, scss,
    sass, json, yaml, yml, xml, toml, latex, tex, regex, regexes, regexp, vba, excel formula, vlookup, xlookup, sumif,
    countif, google sheets formula, solidity, verilog, vhdl, cuda, wasm, webassembly, graphql, jsx, tsx, markdown,
    react, reactjs, vue, vuejs, angular, svelte, nextjs, next.js, nuxt, node, nodejs, node.js, deno, bun, express,
    django, flask, fastapi, rails, laravel, spring, springboot, dotnet, .net, asp.net, blazor, flutter, swiftui,
    jetpack compose, android, ios app, xcode, unity, godot, unreal engine, pandas, numpy, scipy, matplotlib,
    seaborn, pytorch, tensorflow, keras, sklearn, scikit, huggingface, langchain, jquery, tailwind, tailwindcss,
    bootstrap css, redux, webpack, vite, babel, eslint, prettier, jest, vitest, pytest, junit, mocha, cypress,
    playwright, selenium, puppeteer, pydantic, sqlalchemy, prisma, typeorm, hibernate, numba, opencv, effect-ts,
    tkinter, pyqt, electron, tauri, threejs, three.js, d3, d3.js, arduino, esp32, raspberry pi, jupyter, ipython`),
  tool: words(`git, github, gitlab, bitbucket, npm, npx, yarn, pnpm, pip, pip3, conda, poetry, cargo, rustc, gcc,
    g++, clang, cmake, makefile, maven, gradle, docker, dockerfile, docker-compose, compose.yaml, kubernetes, k8s,
    kubectl, helm, terraform, ansible, vagrant, nginx, apache2, httpd, caddy, haproxy, systemd, systemctl,
    journalctl, cron, crontab, ssh, scp, rsync, curl, wget, grep, ripgrep, sed, awk, jq, tmux, vim, neovim, emacs,
    vscode, vs code, intellij, pycharm, homebrew, brew, apt, apt-get, yum, dnf, pacman, chmod, chown, sudo, linux,
    ubuntu, debian, centos, fedora, wsl, unix, posix, aws, ec2, s3 bucket, iam, cloudformation, gcp, azure, heroku,
    vercel, netlify, cloudflare workers, firebase, supabase, redis, mongodb, mongo, mariadb, elasticsearch, kafka,
    rabbitmq, postman, swagger, openapi, grafana, prometheus, jenkins, github actions, gitlab ci, circleci, travis,
    webhook, oauth, jwt, reverse proxy, proxy_pass, subdomain, subdomains, vhost, virtual host, ingress, iptables,
    ufw, firewall rule, port forwarding, ssl certificate, certbot, letsencrypt, virtualenv, venv, nvm, tsconfig, package.json,
    lockfile, package-lock.json, requirements.txt, gitignore, .env, env var, env vars, localhost, stdin, stdout,
    stderr, cli, terminal, command line, repl, ide, debugger, gdb, lldb, valgrind, linter, compiler, interpreter`),
  devNoun: words(`code, codebase, source code, snippet, function, functions, method, methods, python class, java class,
    variable, variables, array, arrays, string, strings, substring, integer array, linked list, binary tree,
    hashmap, hash map, hash table, dict, dictionary, tuple, tuples, struct, pointer, pointers, null, nullptr,
    undefined, boolean, bool, int, float, char, enum, interface, generics, lambda, closure, callback, promise,
    async, await, iterator, generator, decorator, constructor, inheritance, polymorphism, recursion, recursive,
    algorithm, data structure, time complexity, big o, runtime error, bug, bugs, stack trace, traceback, exception,
    segfault, segmentation fault, syntax error, compile error, type error, typeerror, nullpointerexception,
    api, apis, endpoint, endpoints, rest api, backend, frontend, database, databases, query, queries, schema,
    migration, migrations, orm, repo, repository, commit, commits, branch, merge conflict, pull request, diff,
    dependency, dependencies, package, packages, module, modules, library, framework, sdk, ci, ci/cd, pipeline,
    build, deploy script, unit test, unit tests, test suite, tests, regex, dataframe, csv file, json file, parser,
    script, scripts, program, programming, coder, developer, software, app, webapp, website, web app, web page,
    login screen, component, components, widget, ui, frontend, css, div, dom, html page, server, microservice,
    container, containers, port, config, config file, configuration file, yaml file, cron job, thread, threads,
    mutex, deadlock, memory leak, leetcode, stdin, console, terminal, shell, output, input, return value,
    argument, arguments, parameter, parameters, param, params, loop, loops, for loop, while loop, if statement,
    macro, formula, spreadsheet formula, cell, pivot table, query string, url parameter, http request, request body,
    status code, cors, dns record, load balancer, docker image, environment variable, flag, flags`),
  devVerb: words(`implement, implementing, implementation, refactor, refactoring, debug, debugging, compile,
    compiling, deploy, deploying, install, installing, uninstall, configure, migrate, rerun, re-run, bump, rebase,
    clone, fork, lint, parse, parsing, serialize, deserialize, instantiate, override, iterate, initialize,
    concatenate, sort the list, reverse a string, print, printing, prints, console.log, println, printf, execute,
    run the tests, run tests, run the script, fix the bug, fix my code, fix this code, fix the build, fix this bug,
    throws, crashes, segfaults, returns, compiles, make ci green, write a function, write a program, write a script,
    write code, write a query, write a regex, write a class, write a method, code review, unit testing, mock,
    stub, benchmark, profile, optimize the query, memoize, vectorize, scrape, scraping, crawl, automate`),
  math: words(`prove, proof, theorem, lemma, probability, probabilities, integer, integers, prime, primes,
    divisible, divisor, divisors, remainder, modulo, mod, equation, equations, polynomial, polynomials, root, roots,
    sqrt, square root, cube root, derivative, integral, limit, matrix, determinant, eigenvalue, triangle, triangles,
    circle, radius, diameter, perimeter, area, volume, angle, angles, hypotenuse, sum, product, ratio, ratios,
    fraction, fractions, percent, percentage, digit, digits, real numbers, rational, irrational, expected value,
    variance, standard deviation, combinatorics, permutations, combinations, factorial, gcd, lcm, logarithm, log,
    exponent, exponential, arithmetic, geometric, sequence, series, infinite, infinitely, solve, solution,
    solutions, coefficient, coefficients, parabola, inequality, inequalities, minimum value, maximum value,
    least, greatest, smallest, largest, positive integer, positive integers, odd, even, multiple, multiples,
    calculate, compute, evaluate, simplify, how many, how much, how long, how far, how old, average, mean,
    median, speed, distance, rate, twice, thrice, half, quarter, dozen, each, total, altogether, remaining,
    left over, per hour, per day, per week, km, mph, km/h, miles, meters, kilograms, pounds, liters, gallons,
    cents, dollars, minutes, seconds, hours, estimate, fermi, order of magnitude, approximately`),
  logic: words(`premise, premises, conclusion, conclusions, true, false, uncertain, valid, invalid, argument,
    deduce, deduction, deductive, infer, inference, implies, implication, therefore, hence, thus, follows,
    logically, logical, if and only if, all, some, none, every, neither, nor, either, exactly one, at least one,
    puzzle, riddle, liar, liars, truth-teller, knights, knaves, paradox, syllogism, contradiction, counterexample,
    leftmost, rightmost, left of, right of, to the left, to the right, immediately, older, younger, taller,
    shorter, heavier, lighter, ranked, ranking, finishes, finished, ahead, behind, swap, swapped, trade, traded,
    switch partners, steps forward, turn left, turn right, take steps, starting point, who is lying, which of the
    following, must be true, could be true, necessarily, sufficient, necessary, assumption, assume, suppose`),
  constraint: words(`budget, budgets, constraint, constraints, must, at most, at least, no more than, no fewer
    than, no less than, not exceed, exceed, exactly, only, schedule, scheduling, deadline, deadlines, allocate,
    allocation, assign, assignment, shifts, optimize, optimise, optimal, minimize, minimise, maximize, maximise,
    cheapest, fastest, shortest, feasible, requirement, requirements, cannot, can't, not both, neither, within,
    between, per person, per night, people, persons, travelers, travellers, nights, days, itinerary, trip from,
    flights, depart, departing, return on, round trip, layover, visiting, cities, vegetarian, wheelchair,
    accommodation, room type, entire room, private room, transportation, self-driving, taxi, seats, capacity`),
  business: words(`loan, loans, mortgage, amortization, amortisation, apr, interest rate, compound interest,
    simple interest, principal, break-even, breakeven, break even, margin, margins, revenue, profit, profits,
    roi, npv, irr, cash flow, depreciation, payback, unit cost, fixed costs, variable costs, fixed cost,
    variable cost, shipping cost, shipping costs, warehouse, warehouses, inventory, demand, elasticity, markup,
    discount, discounts, tax, taxes, salary, wage, wages, commission, installment, installments, annual, monthly,
    quarterly, invest, investment, returns, yield, dividend, shares, per unit, units, cost per, price per`),
  writing: words(`essay, poem, poems, story, stories, letter, email, e-mail, blog, blog post, post, article,
    tweet, caption, slogan, tagline, headline, summary, summarize, summarise, summarizing, rewrite, rephrase,
    paraphrase, translate, translation, proofread, tone, outline, speech, lyrics, song lyrics, haiku, limerick,
    joke, jokes, recipe, bio, biography, cover letter, resume, cv, review, description, product description,
    newsletter, pitch, toast, sonnet, novel, chapter, character, dialogue, script for a, screenplay, paragraph,
    sentence, sentences, words, synonym, synonyms, grammar, formal, informal, persuasive, catchy, creative,
    brainstorm, ideas, names for, title, titles, motivational, wedding, birthday, condolence, apology, thank-you`),
  assistant: words(`alarm, timer, remind, reminder, reminders, weather, forecast, temperature outside, book,
    booking, reservation, reserve, calendar, meeting, appointment, call, text message, play, song, music,
    playlist, pay, payment, bill, bills, transfer, balance, account, order, uber, lyft, restaurant, hotel,
    rent a car, car rental, cancel, turn on, turn off, lights, thermostat, volume, spotify, directions, traffic,
    exchange rate, stock price, shopping list, to-do list, todo list, grocery, groceries, flight status, pto,
    vacation days, credit card, bank, routing number, insurance, pin, freeze, report lost, tire pressure, oil
    change, gas, mpg, nutrition, calories, recipe for, ingredients, cook, bake, find me, look up, search for,
    set a, set an, schedule a, send a, tell me the time, what time, what day, date today, spell, define, meaning of`),
  chat: words(`hi, hello, hey, hiya, howdy, thanks, thank you, thx, ty, lol, haha, how are you, good morning,
    good night, good evening, bye, goodbye, cool, ok, okay, yes, yeah, yep, sure, great, nice, awesome, sorry,
    please, who are you, what's up, whats up, nice to meet you, are you a bot, your name, you're, i feel, i'm sad,
    i'm bored, tell me a joke, fun fact, favorite, favourite, feeling, feel, so happy, proud, excited, tired, stoked,
    yay, woohoo, omg, wow, guess what, just finished, just did, just ran, today i`),
  conceptQ: words(`what is, what are, what was, who is, who was, who were, when did, when was, where is, where
    are, why do, why does, why is, why are, how does, how do, how did, explain, tell me about, difference between,
    vs, versus, history of, meaning, definition, recommend, recommendations, suggest, suggestions, best, tips,
    advice, ideas for, pros and cons, compare, overview, describe, benefits, examples of, what causes, is it true,
    should i, can you tell, what do you think, opinion, facts about, origin, invented, famous, popular`),
  quantQ: words(`how many, how much, how long, how far, how old, what is the value, what is the probability, what is
    the sum, what is the product, what is the area, what is the remainder, what is the least, what is the greatest,
    what is the smallest, what is the largest, what is the total, find the, find all, what percent, what fraction,
    compute, calculate, determine, evaluate, solve, what's the probability, what are the odds, how often, what's the
    chance, expected number, minimum number, maximum number, how fast, how soon, when will, when does, which is
    cheaper, which is bigger, is it cheaper, is it worth, break even, how should we split`),
  prove: words(`prove, proof, show that, demonstrate that, is it always, is it possible, for all, there exists,
    there exist, justify, rigorous, by induction, contradiction, without a calculator, argue why, explain why`),
  stepByStep: words(`step by step, step-by-step, show your work, show the steps, show your steps, show your
    reasoning, let's think, think carefully, reason through, walk through, intermediate steps, explain your reasoning`),
  premise: words(`premises, premise, conclusion, deductively valid, follows from, follows logically, given that,
    given the following, options, answer choices, true or false, or uncertain, valid or invalid,
    which of the following, is the argument, the following argument, the following paragraphs, logically sound`),
  dateWord: words(`monday, tuesday, wednesday, thursday, friday, saturday, sunday, january, february, march, april,
    june, july, august, september, october, november, december, weekday, weekdays, weekend, tomorrow, tonight`),
  codeKeyword: words(`def, elif, lambda, self, return, println, printf, cout, std, nullptr, null, none, async,
    await, const, typeof, struct, impl, fn, mut, unwrap, namespace, include, import, select, insert, update, where,
    join, foreach, var, let, func, void, int, bool, str, len, range, print, console, public, private, static,
    __init__, init, args, kwargs, argv, nil, undefined, try, catch, except, finally,
    throw, raise, yield, interface, enum, extends, implements, override, useeffect, usestate, dataframe`),
  reqVerb: words(`write, create, implement, build, generate, make, develop, code, give me, show me, add, set up, setup,
    design, port, convert, refactor, fix, debug, optimize, configure, deploy, automate, scaffold, need`),
  codeArtifact: words(`function, functions, program, script, method, query, regex, regular expression, app,
    api, component, endpoint, module, cli, bot, website, webpage, web page, service, algorithm, code, snippet,
    macro, formula, dockerfile, config, unit test, unit tests, tests, test, schema, migration, extension, plugin,
    library, package, workflow, pipeline, hook, middleware, server, database, table, landing page, game, parser`),
  prep: words(`in, using, with, via, for`),
  howTo: words(`how do i, how to, how can i, how would i, how should i, how do you, best way to, is there a way,
    what's the best way, how do we, how can we, i need to, i want to, trying to, i'm trying, im trying, help me`),
  // Fermi questions: the quantity is not looked up but built from assumptions.
  estimate: words(`estimate, estimates, estimation, estimating, estimated, roughly, ballpark, ball park, of the envelope,
    order of magnitude, order-of-magnitude, fermi, guesstimate, rough estimate, rough guess, rough numbers, approximately,
    approx, give or take, first principles, assumptions, make assumptions, state your assumptions, market size,
    size the market, market sizing, bottom-up, top-down, in the world, on earth, worldwide, every person, everyone on,
    in a lifetime, in their lifetime, per capita, would fit, fit inside, fit in, would it take, would you need,
    would we need, would it cost, would it be, how much would, how many would, could you make, enough to`),
  // Puzzles told in prose rather than in benchmark format.
  puzzle: words(`riddle, riddles, puzzle, puzzles, brain teaser, brainteaser, teaser, trick question, lateral thinking,
    always lies, always tells, tells the truth, truth-teller, knight, knights, knave, knaves, liar, lying, weighing,
    weighings, balance scale, hourglass, jug, jugs, river, boat, cross the, crossing, what comes next, next number,
    next letter, next in the, the pattern, guarantee, fewest, minimum number, is that possible, is this possible,
    who is lying, who did it, who owns, which box, in the dark, prisoners, hats, coins, coin, handshakes, ages, older than,
    younger than, twice as old, as old as, in that order, exactly one, only one of`),
  // Choices to be weighed; with several numbers they make a quantitative trade-off.
  decision: words(`should i, should we, is it worth, worth it, is it better, better to, which is cheaper, which is better,
    cheaper, more expensive, which option, which plan, or should, pay off, payback, break even, break-even, comes out ahead,
    over the long run, over 3 years, over 5 years, over 10 years, trade-off, trade-offs, tradeoff, tradeoffs, versus, vs,
    compare, cheapest, maximise, maximize, minimise, minimize, optimal, do we need, do i need, enough`)
}

/** Map from single-token hash or phrase hash to the OR of class bits. */
export const LEXICON = new Map<number, number>()
/** Hash of the first token of every multi-word entry, to skip phrase lookups cheaply. */
export const PHRASE_STARTS = new Set<number>()

// Lexicon phrases must be hashed exactly as the tokenizer hashes text, so use it.
const scratch = makeTokens(16)
for (const cls of LEX_CLASSES) {
  for (const entry of ENTRIES[cls]) {
    tokenize(entry, scratch)
    if (scratch.n === 0) continue
    let key = scratch.hash[0] ?? 0
    for (let t = 1; t < scratch.n; t++) key = combine(key, scratch.hash[t] ?? 0)
    if (scratch.n > 1) PHRASE_STARTS.add(scratch.hash[0] ?? 0)
    LEXICON.set(key, (LEXICON.get(key) ?? 0) | LEX[cls])
  }
}
