"""convolutional.py on PyTorch: the same network, schedule and preprocessing as mlcheck's tfjs
LeNet (docs/design.md §2). The training step is written as a user would write it
(../shared/peers/pytorch_reference.py): the engine adds nothing to a step but timing it."""

import numpy as np

from ..common import check_finite, lenet_schedule, load_mnist, median, relative_change, StepTimer
from . import synchronize

EVAL_BATCH = 500
VARIABLES = ('conv1Weights', 'conv1Biases', 'conv2Weights', 'conv2Biases', 'fc1Weights', 'fc1Biases', 'fc2Weights', 'fc2Biases')


def run(ctx):
    torch = ctx.framework.module
    nn = torch.nn
    F = torch.nn.functional
    device = ctx.framework.handle
    batch = ctx.integer('batch')
    base_rate = ctx.number('learningRate')
    decay_rate = ctx.number('decayRate')
    momentum = ctx.number('momentum')
    l2_weight = ctx.number('l2')
    dropout = ctx.number('dropout')
    validation_size = ctx.integer('validationSize')
    eval_every = ctx.integer('evalEvery')

    ctx.progress('load', 'reading MNIST')
    (train_x, train_y), (test_x, test_y) = load_mnist(ctx.data['mnist'])
    train_size, steps, eval_size, test_size = lenet_schedule(ctx, train_x.shape[0], test_x.shape[0], validation_size, batch)

    torch.manual_seed(ctx.seed)
    images = torch.from_numpy((train_x.astype(np.float32) - 127.5) / 255).reshape(-1, 1, 28, 28).to(device)
    labels = torch.from_numpy(train_y.astype(np.int64)).to(device)
    train_images, train_labels = images[validation_size:], labels[validation_size:]
    test_images = torch.from_numpy((test_x[:test_size].astype(np.float32) - 127.5) / 255).reshape(-1, 1, 28, 28).to(device)
    test_labels = torch.from_numpy(test_y[:test_size].astype(np.int64)).to(device)

    conv1 = nn.Conv2d(1, 32, 5, padding=2)
    conv2 = nn.Conv2d(32, 64, 5, padding=2)
    fc1 = nn.Linear(7 * 7 * 64, 512)
    fc2 = nn.Linear(512, 10)
    with torch.no_grad():
        for layer in (conv1, conv2, fc1, fc2):
            nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2)
            nn.init.constant_(layer.bias, 0.1)
        nn.init.zeros_(conv1.bias)
    for layer in (conv1, conv2, fc1, fc2):
        layer.to(device)
    variables = dict(zip(VARIABLES, (conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias)))
    start = {name: v.detach().cpu().numpy().copy() for name, v in variables.items()}
    regularized = (fc1.weight, fc1.bias, fc2.weight, fc2.bias)

    def logits(x, training):
        x = F.max_pool2d(F.relu(conv1(x)), 2)
        x = F.max_pool2d(F.relu(conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten, as convolutional.py reshapes
        return fc2(F.dropout(F.relu(fc1(x)), dropout, training))

    def error_pct(x, y, count):
        wrong = 0
        with torch.no_grad():
            for first in range(0, count, EVAL_BATCH):
                predicted = logits(x[first:first + EVAL_BATCH], False).argmax(1)
                wrong += int((predicted != y[first:first + EVAL_BATCH]).sum().item())
        return 100.0 * wrong / count

    optimizer = torch.optim.SGD(list(variables.values()), lr=base_rate, momentum=momentum)
    current_rate = base_rate
    timer = StepTimer()
    curve = []
    last_loss = float('nan')
    for step in range(steps):
        timer.start()
        offset = (step * batch) % (train_size - batch)
        rate = base_rate * decay_rate ** ((step * batch) // train_size)
        if rate != current_rate:
            for group in optimizer.param_groups:
                group['lr'] = rate
            current_rate = rate
        l2 = sum((p ** 2).sum() / 2 for p in regularized)
        loss = F.cross_entropy(logits(train_images[offset:offset + batch], True), train_labels[offset:offset + batch]) + l2_weight * l2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        last_loss = loss.item()  # waits for the device: the step's time is the whole step
        timer.stop()
        check_finite(last_loss, 'lenet', step)

        done = step + 1
        if eval_every > 0 and (done % eval_every == 0 or done == steps):
            validation = error_pct(images, labels, eval_size)
            epoch = done * batch / train_size
            curve.append(dict(step=done, epoch=round(epoch, 3), validation_error_pct=round(validation, 2), minibatch_loss=round(last_loss, 4), learning_rate=current_rate))
            ctx.progress('train', 'step %d/%d (epoch %.2f), %.1f ms/step, minibatch loss %.3f, learning rate %.6f, validation error %.1f%%' % (
                done, steps, epoch, median(timer.ms[-eval_every:]), last_loss, current_rate, validation), step=done, totalSteps=steps, epoch=round(epoch, 2), loss=last_loss)

    synchronize(torch, device)
    change = {name: relative_change(start[name], v.detach().cpu().numpy()) for name, v in variables.items()}
    ctx.progress('eval', 'test error on %d test images' % test_size)
    test_error = error_pct(test_images, test_labels, test_size)
    final_validation = curve[-1]['validation_error_pct'] if curve else error_pct(images, labels, eval_size)
    return dict(
        stepMs=timer.ms,
        steps=steps,
        trainSize=train_size,
        validationSize=validation_size,
        evalSize=eval_size,
        testSize=test_size,
        testErrorPct=test_error,
        validationErrorPct=final_validation,
        lastLoss=last_loss,
        validationCurve=curve,
        variableChange=change,
    )
