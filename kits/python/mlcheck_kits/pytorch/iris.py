"""premade_estimator.py's DNNClassifier on PyTorch: dense relu layers [10, 10] with Glorot-uniform
kernels and zero biases, softmax cross-entropy averaged over the batch, Adagrad (initial
accumulator 0.1), batches of 100 drawn from a shuffled, repeated training set. mlcheck reads the
CSVs and sends the rows."""
import numpy as np

from ..common import check_finite, relative_change, shuffled_repeat_batches


def run(ctx):
    torch = ctx.framework.module
    nn = torch.nn
    F = torch.nn.functional
    device = ctx.framework.handle
    steps = ctx.integer('trainSteps')
    batch = ctx.integer('batch')
    learning_rate = ctx.number('learningRate')
    initial_accumulator = ctx.number('initialAccumulator')
    hidden = [ctx.integer('hidden1'), ctx.integer('hidden2')]
    train, test = ctx.inputs['train'], ctx.inputs['test']
    features = train['featureCount']
    classes = train['classes']

    def rows(split):
        x = torch.tensor(np.asarray(split['features'], dtype=np.float32).reshape(-1, features), device=device)
        y = torch.tensor(np.asarray(split['labels'], dtype=np.int64), device=device)
        return x, y

    train_x, train_y = rows(train)
    test_x, test_y = rows(test)
    torch.manual_seed(ctx.seed)
    sizes = [features] + hidden + [classes]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layer = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        layers.append(layer.to(device))
    names = ['hiddenlayer_%d' % i for i in range(len(layers) - 1)] + ['logits']
    variables = {}
    for name, layer in zip(names, layers):
        variables[name + '/kernel'] = layer.weight
        variables[name + '/bias'] = layer.bias
    start = {name: v.detach().cpu().numpy().copy() for name, v in variables.items()}

    def logits(x):
        for layer in layers[:-1]:
            x = F.relu(layer(x))
        return layers[-1](x)

    optimizer = torch.optim.Adagrad(list(variables.values()), lr=learning_rate, initial_accumulator_value=initial_accumulator)
    last_loss = float('nan')
    for step, picked in enumerate(shuffled_repeat_batches(ctx.seed, train_x.shape[0], batch, steps)):
        index = torch.from_numpy(picked).to(device)
        loss = F.cross_entropy(logits(train_x[index]), train_y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % 100 == 0 or step == steps - 1:
            last_loss = check_finite(loss.item(), 'iris', step + 1)
            ctx.progress('train', 'step %d/%d loss %.4f' % (step + 1, steps, last_loss), step=step + 1, totalSteps=steps, loss=last_loss)

    change = {name: relative_change(start[name], v.detach().cpu().numpy()) for name, v in variables.items()}
    ctx.progress('eval', 'evaluating on %d test rows' % test_x.shape[0])
    with torch.no_grad():
        predicted = logits(test_x).argmax(1)
        correct = int((predicted == test_y).sum().item())
        train_loss = F.cross_entropy(logits(train_x), train_y).item()
        test_loss = F.cross_entropy(logits(test_x), test_y).item()
        examples = torch.tensor(np.asarray(ctx.inputs['predict'], dtype=np.float32), device=device)
        probabilities = F.softmax(logits(examples), dim=1).cpu().numpy().tolist()
    return dict(testCorrect=correct, testCount=int(test_x.shape[0]), trainLoss=train_loss, testLoss=test_loss, lastLoss=last_loss, probabilities=probabilities, variableChange=change)
